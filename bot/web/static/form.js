// The registration and profile form: every question on one page, each answer checked by
// the bot's own rules as the participant leaves its field, all problems shown at once on
// Register, next to their fields. Every call carries Telegram's signed initData.
"use strict";
(function () {
  const { app, initData, texts, api } = window.MiniApp;
  const form = document.getElementById("form");
  const status = document.getElementById("status");
  if (!form) return;
  const fields = ["full_name", "country", "city", "organization", "role", "email", "timezone"];

  function say(text) { status.textContent = text; }

  function failed(error) {
    say(error.message === "unauthorized" ? texts.expired : texts.failed);
  }

  function showError(name, message) {
    const input = document.getElementById(name);
    const error = document.getElementById("error-" + name);
    if (!input || !error) return;
    error.textContent = message || "";
    error.hidden = !message;
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    if (!document.querySelector("#form .error:not([hidden])")) {
      document.getElementById("summary").hidden = true;  // everything corrected
    }
  }

  async function check(name) {
    const input = document.getElementById(name);
    if (name !== "country" && !input.value.trim() && input.required !== true) {
      showError(name, "");
      return;
    }
    try {
      const answer = await api("check", { field: name, value: input.value });
      showError(name, answer.ok ? "" : answer.problem);
      if (answer.ok && name === "country" && answer.value) input.value = answer.value;
      if (answer.ok && (name === "country" || name === "city")) await loadZones();
    } catch (error) { failed(error); }
  }

  async function loadZones(preferred) {
    const country = document.getElementById("country").value;
    const city = document.getElementById("city").value;
    const select = document.getElementById("timezone");
    if (!country.trim()) return;
    const answer = await api("zones", { country: country, city: city });
    // A zone the previous city decided is not kept for another city: it is asked again.
    const keep = preferred || (select.dataset.decided ? "" : select.value);
    select.replaceChildren();
    if (!answer.zone) {
      const prompt = document.createElement("option");
      prompt.value = "";
      prompt.textContent = texts.choose_zone;
      select.append(prompt);
    }
    for (const choice of answer.choices) {
      const option = document.createElement("option");
      option.value = choice.zone;
      option.textContent = choice.label;
      select.append(option);
    }
    if (answer.zone) select.value = answer.zone;
    else if (keep && answer.choices.some((c) => c.zone === keep)) select.value = keep;
    select.dataset.decided = answer.zone ? "1" : "";
    if (select.value) showError("timezone", "");
  }

  let cityTimer = null;
  function suggestCities() {
    clearTimeout(cityTimer);
    cityTimer = setTimeout(async function () {
      const text = document.getElementById("city").value;
      if (text.trim().length < 2) return;
      try {
        const answer = await api("cities", {
          text: text, country: document.getElementById("country").value });
        const list = document.getElementById("city-list");
        list.replaceChildren(...answer.cities.map(function (name) {
          const option = document.createElement("option");
          option.value = name;
          return option;
        }));
      } catch (error) { /* suggestions are a help, not a step */ }
    }, 250);
  }

  async function submit(event) {
    event.preventDefault();
    const button = document.getElementById("submit");
    const summary = document.getElementById("summary");
    const answers = {};
    for (const name of fields) answers[name] = document.getElementById(name).value;
    const body = { answers: answers, consent: document.getElementById("consent").checked };
    if (form.dataset.event) body.event = form.dataset.event;
    if (form.dataset.course) body.course = form.dataset.course;
    button.disabled = true;
    say(texts.sending);
    try {
      const answer = await api("register", body);
      say("");
      for (const name of [...fields, "consent"]) showError(name, "");
      if (answer.status === 422) {
        const wrong = Object.keys(answer.errors);
        for (const name of wrong) showError(name, answer.errors[name]);
        summary.textContent = texts.fix;
        summary.hidden = false;
        const first = [...fields, "consent"].find((name) => wrong.includes(name));
        document.getElementById(first).focus();
        return;
      }
      finish(answer.message);
      if (app && app.HapticFeedback) app.HapticFeedback.notificationOccurred("success");
    } catch (error) {
      failed(error);
    } finally {
      button.disabled = false;
    }
  }

  function finish(message) {
    form.hidden = true;
    document.getElementById("done").hidden = false;
    const done = document.getElementById("done-text");
    done.textContent = message;
    done.focus();
  }

  async function start() {
    if (!initData) { say(texts.outside); return; }
    app.ready();
    app.expand();
    let me;
    const about = form.dataset.event ? "?event=" + encodeURIComponent(form.dataset.event)
      : form.dataset.course ? "?course=" + encodeURIComponent(form.dataset.course) : "";
    try { me = await api("me" + about); } catch (error) { failed(error); return; }
    const lang = document.documentElement.lang;
    if (me.language !== lang) {  // their language in the bot, not the button's
      const address = new URL(location.href);
      if (address.searchParams.get("lang") !== me.language) {
        address.searchParams.set("lang", me.language);
        location.replace(address.toString());
        return;
      }
    }
    if (me.registered) {  // nothing to ask: said here, not again in the chat
      finish(me.registered);
      return;
    }
    const profile = me.profile;
    if (profile) {
      for (const name of ["full_name", "country", "city", "organization", "role", "email"]) {
        document.getElementById(name).value = profile[name] || "";
      }
      document.getElementById("field-consent").hidden = true;
    } else {
      document.getElementById("full_name").value = me.name || "";
    }
    form.hidden = false;
    if (profile) {
      try { await loadZones(me.timezone); } catch (error) { failed(error); }
    }
    document.getElementById("full_name").focus();
  }

  for (const name of ["full_name", "country", "city", "organization", "role", "email"]) {
    document.getElementById(name).addEventListener("change", function () { check(name); });
  }
  document.getElementById("city").addEventListener("input", suggestCities);
  document.getElementById("timezone").addEventListener("change", function () {
    this.dataset.decided = "";  // chosen by the participant: kept while it still fits
    if (this.value) showError("timezone", "");
  });
  document.getElementById("consent").addEventListener("change", function () {
    if (this.checked) showError("consent", "");  // agreed: its problem is gone
  });
  document.getElementById("close").addEventListener("click", function () {
    if (app) app.close();
  });
  form.addEventListener("submit", submit);
  start();
})();
