// chatd web client: mentions of my nickname, browser notifications, the
// unread count in the tab's title.
import { state } from "./state.js";
import { markMenu } from "./menu.js";
import { findFolded } from "./fold.js";

// What a nickname holds: letters (with their marks), digits, _ and -,
// and IRC's [ ] \ ` ^ { | }.
const WORD = /[\p{L}\p{M}\p{N}_\-[\]\\`^{|}]/u;
const LETTER = /\p{L}/u;
// Scripts written without spaces between words (Chinese, Japanese, Thai...).
const SPACELESS = new RegExp("[" + ["Han", "Hiragana", "Katakana", "Bopomofo", "Thai", "Lao",
  "Khmer", "Myanmar", "Tibetan", "Yi"].map((s) => "\\p{scx=" + s + "}").join("") + "]", "u");
// Scripts written with spaces, to tell a letter of another kind (ann in annさん).
const SCRIPTS = ["Latin", "Greek", "Cyrillic", "Armenian", "Georgian", "Hebrew", "Arabic",
  "Hangul", "Devanagari", "Bengali", "Tamil", "Ethiopic"].map((s) => [s, new RegExp("\\p{sc=" + s + "}", "u")]);
// What may follow a name in a script written without spaces, in the same
// word: honorifics and particles (さくらさん, さくらの, 小明啊, สมชายครับ); any
// other letter of those scripts makes another word (さくらんぼ, cherry).
const SUFFIX = new RegExp("^(?:" + [
  "さん", "さま", "様", "くん", "君", "ちゃん", "たん", "氏", "殿", "先生", "先輩", "せんせい", "せんぱい",
  "サン", "サマ", "クン", "チャン", "は", "が", "を", "に", "へ", "と", "で", "の", "も", "や", "か",
  "ね", "よ", "って", "まで", "こそ", "だけ", "しか", "なら", "たち", "達", "ー", "小姐", "老师", "老師", "同学", "同學", "啊", "呀", "吗", "嗎", "呢",
  "吧", "的", "了", "说", "說", "是", "在", "也", "和", "ครับ", "คับ", "ค่ะ", "คะ", "นะ", "จ้ะ", "จ้า",
].join("|") + ")", "u");

function scriptOf(ch) {
  const found = SCRIPTS.find(([, letter]) => letter.test(ch));
  return found ? found[0] : "";
}

// Whether the name's character EDGE and the text's NEXT to it are one
// word: both a nickname's characters, in a script written with spaces,
// the same (digits, _, - and marks go with any).
function joined(edge, next) {
  if (!next || !WORD.test(next)) return false;
  if (SPACELESS.test(edge) || SPACELESS.test(next)) return false;
  if (!LETTER.test(edge) || !LETTER.test(next)) return true;
  return scriptOf(edge) === scriptOf(next);
}

// Whether a name ending in LAST ends where the text goes on with REST:
// before a space, punctuation, the text's end or a letter of another kind;
// a name in a script written without spaces also before a known
// honorific or particle (SUFFIX), never before another letter of those
// scripts, a digit, _, - or a mark (a longer name: さくら2).
function endsBefore(last, rest) {
  const next = [...rest.slice(0, 2)][0];
  if (!SPACELESS.test(last)) return !joined(last, next);
  if (!next || !WORD.test(next)) return true;
  if (!LETTER.test(next)) return false;
  return !SPACELESS.test(next) || SUFFIX.test(rest);
}

// Whether TEXT names NICK as a word, spelt as the server takes it for the
// same name (any case and accents, the Turkish I: fold.js): not inside a
// longer one (ann in annual, さくら in さくらんぼ); where it starts, a name
// in a script written without spaces may follow any letter (おはようさくら).
export function mentions(text, nick) {
  if (!nick) return false;
  for (const [start, end] of findFolded(text, nick)) {
    const name = [...text.slice(start, end).replace(/\p{M}+$/u, "")];  // its last letter, not its accent
    const before = [...text.slice(0, start)].pop();
    if (name.length && !joined(name[0], before) && endsBefore(name[name.length - 1], text.slice(end))) return true;
  }
  return false;
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

// The notifications shown, until closed: the person signed in gone, they go.
const shown = new Set();

// A notification for a mention or a private message, unless it is seen.
export function notify(title, body, seen) {
  const api = window.Notification;
  if (seen || !api || api.permission !== "granted") return;
  try {
    const note = new api(title, { body, tag: "chatd-" + title });
    shown.add(note);
    note.addEventListener("close", () => shown.delete(note));
  } catch (e) { /* e.g. a phone browser that only notifies from a service worker */ }
}

// The person signed in is gone: their notifications are closed.
export function closeNotifications() {
  for (const note of shown) note.close();
  shown.clear();
}

// The tab's title: the number of unread messages, then the page's name;
// the phone's menu button shows it too.
export function updateTitle() {
  let unread = 0;
  for (const convo of state.convos.values()) unread += convo.unread;
  document.title = unread ? "(" + unread + ") chatd" : "chatd";
  markMenu(unread);
}
