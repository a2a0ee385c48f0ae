// What both pages share: Telegram's Mini App object, and API calls signed with its initData.
"use strict";
window.MiniApp = (function () {
  const app = window.Telegram && window.Telegram.WebApp;
  const initData = app ? app.initData : "";
  const texts = JSON.parse(document.getElementById("texts").textContent);

  class Refused extends Error {}

  async function request(path, body) {
    const options = { method: body ? "POST" : "GET", headers: { Authorization: "tma " + initData } };
    if (body) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch("api/" + path, options);
    if (response.status === 401) throw new Refused("unauthorized");
    if (response.status === 403) throw new Refused("forbidden");
    return response;
  }

  async function api(path, body) {
    const response = await request(path, body);
    const answer = await response.json();
    if (!response.ok && response.status !== 422) throw new Error(String(response.status));
    answer.status = response.status;
    return answer;
  }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
  }

  return { app, initData, texts, api, request, fill, Refused };
})();
