// chatd web client: "Go to a room or person" (Ctrl+K, keys.js).  The
// beginning of a name, then Enter: a conversation of the sidebar (#name:
// a room only, @name: a person only), else a room of the list not joined
// yet (joined, as clicking it does), else someone online (a private
// conversation with them).  A name that fits nothing is said in the box,
// which stays open.
import { $, state, complain } from "./state.js";
import { request } from "./net.js";
import { speak } from "./speak.js";
import { actions, privateConvo } from "./convos.js";
import { fold, startsFolded } from "./fold.js";

// The first of NAMES (with what each stands for) that is WANTED (folded),
// else the first that starts with it: any case and accents, the Turkish I
// (fold.js: gen finds Général; ケ not ゲン).
function pick(names, wanted) {
  return names.find(([name]) => fold(name) === wanted)
    || names.find(([name]) => startsFolded(fold(name), wanted));
}

// The sidebar's conversations, in the order shown: joined rooms, then people.
export function ordered() {
  return [...document.querySelectorAll("#sidebar button[data-key].joined, #convos button[data-key]")]
    .map((button) => button.dataset.key);
}

function note(text) {
  const shown = $("switch-note");
  shown.textContent = text;
  shown.hidden = !text;
  if (text) speak(text);
}

export function openGoto() {
  $("switch-form").hidden = false;
  $("switch").value = "";
  note("");
  $("switch").focus();
}

export function closeGoto() {
  $("switch-form").hidden = true;
  $("switch").value = "";
  note("");
}

function done(act) {
  closeGoto();
  act();
}

// Someone online called WANTED (or whose name starts with it), else nobody:
// said in the box.  TYPED: what was typed.
function person(wanted, typed, rooms) {
  const asked = $("switch").value;
  request("users", {}).then((reply) => {
    if ($("switch-form").hidden || $("switch").value !== asked) return;  // closed or changed meanwhile
    const others = reply.users.filter((nick) => nick !== state.nick).map((nick) => [nick]);
    const found = pick(others, wanted);
    if (found) return done(() => actions.show(privateConvo(found[0]).key));
    note((rooms ? "No room or person online starts with \u201c" : "Nobody online is called \u201c") + typed + "\u201d.");
  }, complain);
}

function go() {
  const typed = $("switch").value.trim();
  const sign = typed.charAt(0);
  const wanted = fold(typed.replace(/^[#@]/, ""));
  if (!wanted) return done(() => $("text").focus());
  const rooms = sign !== "@";
  const people = sign !== "#";
  const shown = ordered().filter((key) => (key.startsWith("#") ? rooms : people))
    .map((key) => [state.convos.get(key).name, key]);
  const convo = pick(shown, wanted);
  if (convo) return done(() => actions.show(convo[1]));
  const listed = rooms ? pick(state.rooms.map((room) => [room.name]), wanted) : undefined;
  if (listed) return done(() => actions.join(listed[0]));
  if (people) return person(wanted, typed, rooms);
  note("No room starts with \u201c" + typed + "\u201d.");
}

export function wireGoto() {
  $("switch").addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      closeGoto();
      $("text").focus();
    }
  });
  $("switch").addEventListener("input", () => note(""));
  $("switch-form").addEventListener("submit", (event) => {
    event.preventDefault();
    go();
  });
}
