// chatd web client: searching the history you may read (your rooms and your
// own private conversations) with the server's search request, docs/WEB.md.
// Each result is a button that opens its conversation (and shows the message
// there when the page has it).
import { $, state, el, clock, complain, isolated, unforced } from "./state.js";
import { request } from "./net.js";
import { actions, roomConvo, privateConvo } from "./convos.js";

function open(result) {
  const convo = result.room !== undefined ? roomConvo(result.room) : privateConvo(result.with);
  if (convo.kind === "room" && !convo.joined) actions.join(result.room);
  else actions.show(convo.key);
  const line = [...convo.log.children].find((node) => node.dataset.msgid === result.msgid);
  if (line) {
    line.classList.add("found");
    line.scrollIntoView({ block: "center" });
    setTimeout(() => line.classList.remove("found"), 3000);
  }
}

function entry(result) {
  const where = result.room !== undefined ? "#" + result.room : "@" + result.with;
  const button = el("button", "result");
  button.type = "button";
  button.append(
    el("span", "where", where), " ", el("time", "when", clock(result.time)), " ",
    isolated(el("span", "who", result.from)), ": ",
    isolated(el("span", "what", unforced(result.text))),
  );
  button.addEventListener("click", () => open(result));
  const item = el("li");
  item.appendChild(button);
  return item;
}

function show(text, results) {
  const list = $("search-results");
  list.replaceChildren(...results.map(entry));
  $("search-status").textContent = results.length
    ? results.length + (results.length === 1 ? " message" : " messages") + " with \u201c" + text + "\u201d, newest first"
    : "No message matches \u201c" + text + "\u201d.";
  $("search-status").hidden = false;
  $("search-clear").hidden = false;
}

// The search box, its results and what it said, emptied (also when the
// person signed in is gone: the next one sees nothing of it).
export function clearSearch() {
  $("search").value = "";
  $("search-results").replaceChildren();
  $("search-status").hidden = true;
  $("search-clear").hidden = true;
}

export function wireSearch() {
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("search").value.trim();
    if (!text || !state.nick) return;
    request("search", { text }).then((reply) => show(text, reply.results), complain);
  });
  $("search-clear").addEventListener("click", clearSearch);
}
