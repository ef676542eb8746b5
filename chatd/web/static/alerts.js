// chatd web client: mentions of my nickname, browser notifications, the
// unread count in the tab's title.
import { state } from "./state.js";
import { markMenu } from "./menu.js";

function escaped(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// Whether TEXT names NICK as a word (nicknames hold letters, digits, _ and -).
export function mentions(text, nick) {
  if (!nick) return false;
  const word = new RegExp("(^|[^\\p{L}\\p{N}_-])" + escaped(nick) + "($|[^\\p{L}\\p{N}_-])", "iu");
  return word.test(text);
}

// Ask for permission once, from a user's gesture (the login button).
export function askPermission() {
  const api = window.Notification;
  if (api && api.permission === "default") {
    try {
      const asked = api.requestPermission();
      if (asked && asked.catch) asked.catch(() => {});
    } catch (e) { /* an old browser wants a callback: no notifications */ }
  }
}

// A notification for a mention or a private message, unless it is seen.
export function notify(title, body, seen) {
  const api = window.Notification;
  if (seen || !api || api.permission !== "granted") return;
  try {
    new api(title, { body, tag: "chatd-" + title });
  } catch (e) { /* e.g. a phone browser that only notifies from a service worker */ }
}

// The tab's title: the number of unread messages, then the page's name;
// the phone's menu button shows it too.
export function updateTitle() {
  let unread = 0;
  for (const convo of state.convos.values()) unread += convo.unread;
  document.title = unread ? "(" + unread + ") chatd" : "chatd";
  markMenu(unread);
}
