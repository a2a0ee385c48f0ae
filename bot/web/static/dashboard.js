// The organizers' dashboard: the events with their counts; an event's registrants to search,
// filter, sort, page through and mark present; the lists downloaded or sent to the chat.
"use strict";
(function () {
  const { app, initData, texts, api, request, fill, Refused } = window.MiniApp;
  const $ = (id) => document.getElementById(id);
  const status = $("status");
  let current = null;  // the event shown: its code
  let page = 0;
  let pages = 1;

  function say(text) { status.textContent = text; }

  function failed(error) {
    if (error instanceof Refused) {
      say(error.message === "forbidden" ? texts.not_organizer : texts.expired);
    } else {
      say(texts.failed);
    }
  }

  function element(tag, properties, ...children) {
    const made = document.createElement(tag);
    Object.assign(made, properties || {});
    made.append(...children.filter((child) => child !== null && child !== undefined));
    return made;
  }

  async function showEvents() {
    current = null;
    $("event-view").hidden = true;
    say(texts.loading);
    let answer;
    try { answer = await api("admin/events"); } catch (error) { failed(error); return; }
    say("");
    $("zone").textContent = answer.zone;
    const list = $("events");
    list.replaceChildren();
    if (!answer.events.length) list.append(element("li", { textContent: texts.no_events }));
    for (const event of answer.events) {
      const button = element(
        "button",
        { type: "button", className: "event" },
        element("strong", { textContent: event.title }),
        element("span", { textContent: event.starts + " · " + event.state_label }),
        element("span", {
          textContent: event.counts,
        }),
      );
      button.dataset.code = event.code;
      button.addEventListener("click", () => openEvent(event.code));
      list.append(element("li", {}, button));
    }
    $("events-view").hidden = false;
  }

  function query() {
    return {
      event: current,
      search: $("search").value,
      status: $("filter-status").value,
      country: $("filter-country").value,
      language: $("filter-language").value,
      attended: $("filter-attended").value,
      sort: $("sort").value,
      descending: $("descending").checked,
      page: page,
    };
  }

  function choices(select, options) {
    const kept = select.value;
    const first = select.options[0];
    select.replaceChildren(first);
    for (const option of options) {
      select.append(element("option", { value: option.code, textContent: option.name }));
    }
    select.value = options.some((option) => option.code === kept) ? kept : "";
  }

  async function openEvent(code) {
    current = code;
    page = 0;
    $("filters").reset();
    $("events-view").hidden = true;
    $("event-view").hidden = false;
    await loadRegistrants();
    $("event-title").focus();
  }

  let loading = 0;
  async function loadRegistrants() {
    const mine = ++loading;
    let answer;
    try { answer = await api("admin/registrants", query()); } catch (error) { failed(error); return; }
    if (mine !== loading) return;  // a later search has been asked for meanwhile
    if (answer.status !== 200) { say(texts.failed); return; }
    say("");
    page = answer.page;
    pages = answer.pages;
    $("event-title").textContent = answer.title;
    $("event-counts").textContent = answer.counts;
    choices($("filter-country"), answer.countries);
    choices($("filter-language"), answer.languages);
    $("found").textContent = answer.summary;
    const rows = $("rows");
    rows.replaceChildren();
    if (!answer.rows.length) {
      rows.append(element("tr", {}, element("td", { colSpan: 4, textContent: texts.nobody })));
    }
    for (const person of answer.rows) {
      const box = element("input", { type: "checkbox", checked: person.attended });
      box.setAttribute("aria-label", fill(texts.present_of, { name: person.name }));
      box.addEventListener("change", () => mark(person.id, box));
      const details = [person.organization, person.role, person.email].filter(Boolean).join(" · ");
      const place = [person.city, person.language].filter(Boolean).join(" · ");
      rows.append(element(
        "tr", {},
        element("td", {}, box),
        element("td", {}, person.name, details ? element("small", { textContent: details }) : null),
        element("td", {}, person.country, place ? element("small", { textContent: place }) : null),
        element("td", {}, person.status_label,
          element("small", { textContent: person.registered })),
      ));
    }
    $("page").textContent = answer.page_label;
    document.querySelector("nav.pages").hidden = pages <= 1;
    $("previous").disabled = page <= 0;
    $("next").disabled = page + 1 >= pages;
  }

  async function mark(user, box) {
    box.disabled = true;
    try {
      const answer = await api("admin/attendance", { event: current, user: user, present: box.checked });
      if (answer.status !== 200) throw new Error(String(answer.status));
      await loadRegistrants();
    } catch (error) {
      box.checked = !box.checked;  // as it still is
      failed(error);
    } finally {
      box.disabled = false;
    }
  }

  async function exportList(button) {
    const body = { format: button.dataset.export, to_chat: Boolean(button.dataset.toChat) };
    if (button.dataset.event) body.event = current;
    button.disabled = true;
    try {
      if (body.to_chat) {
        const answer = await api("admin/export", body);
        say(answer.sent ? texts.sent : texts.failed);
        return;
      }
      const response = await request("admin/export", body);
      if (!response.ok) throw new Error(String(response.status));
      const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
      const link = element("a", {
        href: URL.createObjectURL(await response.blob()),
        download: name ? name[1] : "registrations",
      });
      document.body.append(link);
      link.click();
      link.remove();
    } catch (error) {
      failed(error);
    } finally {
      button.disabled = false;
    }
  }

  let searchTimer = null;
  $("search").addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => { page = 0; loadRegistrants(); }, 250);
  });
  $("filters").addEventListener("submit", (event) => { event.preventDefault(); page = 0; loadRegistrants(); });
  for (const id of ["filter-status", "filter-country", "filter-language", "filter-attended", "sort", "descending"]) {
    $(id).addEventListener("change", () => { page = 0; loadRegistrants(); });
  }
  $("previous").addEventListener("click", () => { page -= 1; loadRegistrants(); });
  $("next").addEventListener("click", () => { page += 1; loadRegistrants(); });
  $("back").addEventListener("click", () => showEvents());
  for (const button of document.querySelectorAll("[data-export]")) {
    button.addEventListener("click", () => exportList(button));
  }

  if (!initData) { say(texts.outside); return; }
  app.ready();
  app.expand();
  showEvents();
})();
