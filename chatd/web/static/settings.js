// chatd web client: the account's own settings (docs/WEB.md, "Always on").
// Only a registered account has them: a guest's page never shows the box.
import { $, complain } from "./state.js";
import { request } from "./net.js";

// After a login: show the account's always-on setting (hidden for a guest).
export function loadSettings() {
  request("alwayson", {}).then((reply) => {
    $("always-on").checked = reply.on;
    $("settings").hidden = false;
  }, () => { $("settings").hidden = true; });
}

// The person signed in is gone: so is their account's box.
export function forgetSettings() {
  $("always-on").checked = false;
  $("settings").hidden = true;
}

// The box changes the setting; the server's answer is what it shows.
export function wireSettings() {
  const box = $("always-on");
  box.addEventListener("change", () => {
    box.disabled = true;
    request("alwayson", { on: box.checked }).then(
      (reply) => { box.checked = reply.on; },
      (error) => { box.checked = !box.checked; complain(error); },
    ).finally(() => { box.disabled = false; box.focus(); });
  });
}

// Another connection of the account changed the setting (a "notice" with
// "alwaysOn"): the box shows it.
export function alwaysOnElsewhere(on) {
  $("always-on").checked = on;
}
