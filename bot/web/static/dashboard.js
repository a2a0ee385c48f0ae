// The organizers' dashboard: the events with their counts; an event's registrants to search,
// filter, sort, page through and mark present; the lists downloaded or sent to the chat.
"use strict";
(function () {
  const { app, initData, texts, api, request, fill, Refused } = window.MiniApp;
  const $ = (id) => document.getElementById(id);
  const status = $("status");
  const sections = ["events-view", "event-view", "broadcast-view", "stats-view"];
  let current = null;  // the event shown: its code
  let choicesLoaded = false;
  let page = 0;
  let pages = 1;

  function say(text) { status.textContent = text; }

  function refused(error) {
    // Nobody's page but an organizer's: nothing of the dashboard stays on screen.
    for (const section of sections) $(section).hidden = true;
    document.querySelector("nav.tabs").hidden = true;
    failed(error);
  }

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
    showSection("events-view");
    say(texts.loading);
    let answer;
    try {
      answer = await api("admin/events");
    } catch (error) {
      refused(error);
      return;
    }
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
      choices: !choicesLoaded,  // the filters' countries and languages: once per event
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
    choicesLoaded = false;
    $("filters").reset();
    showSection("event-view");
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
    if (!choicesLoaded) {
      choices($("filter-country"), answer.countries);
      choices($("filter-language"), answer.languages);
      choicesLoaded = true;
    }
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
          element("small", { className: "date", textContent: person.registered })),
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
    say("");
    try {
      if (body.to_chat) {
        const answer = await api("admin/export", body);
        say(answer.sent ? texts.sent : texts.failed);
        return;
      }
      if (app.downloadFile && app.isVersionAtLeast && app.isVersionAtLeast("8.0")) {
        // Telegram's own download (its apps do not take a file made inside the page):
        // a two-minute link the Telegram app fetches itself.
        const link = await api("admin/export/link", body);
        if (link.status !== 200) throw new Error(String(link.status));
        app.downloadFile({ url: new URL(link.path, location.href).href, file_name: link.file_name });
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
      setTimeout(() => URL.revokeObjectURL(link.href), 60000);
      say(texts.downloaded);
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

  // --- Sections -------------------------------------------------------------------------
  const tabs = document.querySelectorAll("nav.tabs button");
  function showSection(id) {
    for (const section of sections) $(section).hidden = section !== id;
    for (const tab of tabs) {
      if (tab.dataset.tab === id || (id === "event-view" && tab.dataset.tab === "events-view")) {
        tab.setAttribute("aria-current", "page");
      } else {
        tab.removeAttribute("aria-current");
      }
    }
  }
  for (const tab of tabs) {
    tab.addEventListener("click", () => {
      say("");
      if (tab.dataset.tab === "events-view") showEvents();
      else if (tab.dataset.tab === "broadcast-view") showComposer();
      else showStats();
    });
  }

  // --- Broadcast composer -------------------------------------------------------------------
  let audiences = null;
  let draft = null;  // the preview's token: Send sends what was previewed

  async function showComposer() {
    showSection("broadcast-view");
    if (audiences) return;
    try {
      audiences = await api("admin/audiences");
      if (!eventsKnown) await loadEventChoices();
    } catch (error) { failed(error); return; }
    const kind = $("audience-kind");
    kind.replaceChildren(...audiences.kinds.map(
      (k) => element("option", { value: k.kind, textContent: k.label })));
    $("audience-language").replaceChildren(...audiences.languages.map(
      (l) => element("option", { value: l.code, textContent: l.name })));
    $("audience-topic").replaceChildren(...audiences.topics.map(
      (l) => element("option", { value: l.code, textContent: l.name })));
    audienceShown();
  }

  let eventsKnown = null;
  async function loadEventChoices() {
    const answer = await api("admin/events");
    eventsKnown = answer.events;
    $("audience-event").replaceChildren(...eventsKnown.map(
      (e) => element("option", { value: e.code, textContent: e.title + " · " + e.starts })));
  }

  function audienceShown() {
    const chosen = audiences.kinds.find((k) => k.kind === $("audience-kind").value);
    for (const need of ["event", "language", "topic"]) {
      $("field-audience-" + need).hidden = !chosen || chosen.needs !== need;
    }
    forgetPreview();
  }

  function audience() {
    const chosen = audiences.kinds.find((k) => k.kind === $("audience-kind").value);
    const picked = { kind: chosen ? chosen.kind : "" };
    if (chosen && chosen.needs) picked[chosen.needs] = $("audience-" + chosen.needs).value;
    return picked;
  }

  function versions() {
    const typed = {};
    for (const area of document.querySelectorAll("textarea[data-version]")) {
      if (area.value.trim()) typed[area.dataset.version] = area.value;
    }
    return typed;
  }

  function forgetPreview() {
    draft = null;
    $("preview").hidden = true;
  }

  function clearErrors() {
    for (const error of document.querySelectorAll("#broadcast-view .error")) {
      error.hidden = true;
      error.textContent = "";
    }
    for (const field of document.querySelectorAll("#broadcast-view [aria-invalid]")) {
      field.removeAttribute("aria-invalid");
    }
  }

  function showErrors(errors) {
    let first = null;
    for (const [name, message] of Object.entries(errors)) {
      const error = $("error-" + name);
      const field = name === "audience" ? $("audience-kind") : $("text-" + name);
      if (!error || !field) continue;
      error.textContent = message;
      error.hidden = false;
      field.setAttribute("aria-invalid", "true");
      if (field.closest("details")) field.closest("details").open = true;
      first = first || field;
    }
    say(texts.fix);
    if (first) first.focus();
  }

  // Telegram's entities (UTF-16 offsets, as JavaScript counts) laid out as Telegram shows them.
  const TAGS = { bold: "strong", italic: "em", underline: "u", strikethrough: "s", code: "code",
    pre: "pre", spoiler: "span", blockquote: "span", expandable_blockquote: "span" };
  function formatted(text, entities) {
    const cuts = new Set([0, text.length]);
    for (const e of entities) { cuts.add(e.offset); cuts.add(e.offset + e.length); }
    const points = [...cuts].sort((a, b) => a - b);
    const out = document.createDocumentFragment();
    for (let i = 0; i + 1 < points.length; i++) {
      const start = points[i];
      const end = points[i + 1];
      let node = document.createTextNode(text.slice(start, end));
      for (const e of entities) {
        if (e.offset > start || e.offset + e.length < end) continue;
        let wrapper;
        if (e.type === "text_link" || e.type === "url") {
          const href = e.type === "url" ? text.slice(e.offset, e.offset + e.length) : e.url;
          wrapper = element("a", { rel: "noopener noreferrer", target: "_blank" });
          if (/^https?:\/\//i.test(href || "")) wrapper.href = href;
        } else if (TAGS[e.type]) {
          wrapper = element(TAGS[e.type], { className: e.type });
        } else {
          continue;
        }
        wrapper.append(node);
        node = wrapper;
      }
      out.append(node);
    }
    return out;
  }

  async function preview() {
    clearErrors();
    forgetPreview();
    let answer;
    try {
      answer = await api("admin/broadcast/preview", { audience: audience(), texts: versions() });
    } catch (error) { failed(error); return; }
    if (answer.status === 422) { showErrors(answer.errors); return; }
    say("");
    draft = answer.draft;
    $("recipients").textContent = answer.recipients;
    $("others").textContent = answer.others;
    $("others").hidden = !answer.others;
    $("versions").replaceChildren(...answer.versions.map((v) => element(
      "article", { className: "version" },
      element("h4", { textContent: v.header }),
      element("div", { className: "bubble", dir: v.rtl ? "rtl" : "ltr" }, formatted(v.text, v.entities)),
    )));
    $("preview").hidden = false;
    $("preview-heading").focus();
  }

  async function sendBroadcast() {
    if (!draft) return;
    const button = $("send-button");
    button.disabled = true;
    $("broadcast-status").textContent = texts.sending;
    try {
      const answer = await api("admin/broadcast/send",
        { audience: audience(), texts: versions(), draft: draft });
      if (answer.status === 422) { showErrors(answer.errors); return; }
      if (answer.status !== 200) throw new Error(String(answer.status));
      $("broadcast-status").textContent = answer.message;
      for (const area of document.querySelectorAll("textarea[data-version]")) area.value = "";
      forgetPreview();
    } catch (error) {
      $("broadcast-status").textContent = "";
      failed(error);
    } finally {
      button.disabled = false;
    }
  }

  $("audience-kind").addEventListener("change", audienceShown);
  for (const id of ["audience-event", "audience-language", "audience-topic"]) {
    $(id).addEventListener("change", forgetPreview);
  }
  for (const area of document.querySelectorAll("textarea[data-version]")) {
    area.addEventListener("input", forgetPreview);
  }
  $("preview-button").addEventListener("click", preview);
  $("send-button").addEventListener("click", sendBroadcast);

  // --- Statistics ---------------------------------------------------------------------------
  async function showStats() {
    showSection("stats-view");
    let answer;
    try { answer = await api("admin/stats"); } catch (error) { failed(error); return; }
    $("stats-total").textContent = answer.total;
    $("legend-registered").textContent = answer.legend.registered;
    $("legend-attended").textContent = answer.legend.attended;
    const parts = [];
    for (const breakdown of answer.breakdowns) {
      if (!breakdown.lines.length) continue;
      const most = Math.max(1, ...breakdown.lines.map((l) => l.registered));
      const rows = breakdown.lines.map((line) => {
        const registered = element("span", { className: "bar registered" });
        registered.style.width = (100 * line.registered / most) + "%";
        const attended = element("span", { className: "bar attended" });
        attended.style.width = (100 * line.attended / most) + "%";
        return element("tr", {},
          element("th", { scope: "row" }, line.label,
            element("span", { className: "bars" }, registered, attended)),
          element("td", { textContent: line.registered }),
          element("td", { textContent: line.attended }));
      });
      parts.push(element("table", { className: "chart" },
        element("caption", { textContent: breakdown.title }),
        element("thead", {}, element("tr", {},
          element("th", { scope: "col" }),
          element("th", { scope: "col", textContent: answer.legend.registered }),
          element("th", { scope: "col", textContent: answer.legend.attended }))),
        element("tbody", {}, ...rows)));
    }
    $("breakdowns").replaceChildren(...parts);
  }

  if (!initData) { say(texts.outside); return; }
  app.ready();
  app.expand();
  document.querySelector("nav.tabs").hidden = false;
  showEvents();
})();
