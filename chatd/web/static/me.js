// chatd web client: who the page is signed in as.  The nickname shown in the
// header and kept for logging in again after a reconnect; a new one (a
// rename) takes away the delete buttons of what was said under the old, and
// a guest's messages kept unsure (unsure.js) follow them to the new one.
import { $, state } from "./state.js";
import { identity, nowKnownAs } from "./unsure.js";
import { nameKey } from "./fold.js";

export function setMe(nick) {
  if (state.nick && nick && nameKey(state.nick) !== nameKey(nick)) {
    // Renamed: the server lets us delete only what we said under this name
    // (a room's operator, anything in it).
    for (const convo of state.convos.values()) {
      if (convo.kind === "room" && convo.operator) continue;
      for (const button of convo.log.querySelectorAll("li.msg button.delete")) {
        if (button.closest("li.msg").dataset.from !== nick) {
          button.closest("li.msg").removeAttribute("aria-keyshortcuts");
          button.remove();
        }
      }
    }
    if (state.wanted && !state.wanted.password) nowKnownAs(identity(null, nick));
  }
  state.nick = nick;
  // A reconnect logs in as who we are now; with a password, as the account
  // (its name, not the nickname taken since: the password is the account's),
  // preferring the nickname it goes by.
  if (state.wanted && nick && !state.wanted.password) state.wanted.nick = nick;
  else if (state.wanted && nick) state.wanted.prefer = nick;
  $("me").textContent = nick ? "as " + nick : "";
}
