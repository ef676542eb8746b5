// chatd web client: the keyboard: nickname completion with Tab in the
// message box, Alt+1..9 for the sidebar's conversations, Ctrl+K to go to
// a room or person by name (goto.js), and the log as one Tab stop whose
// lines the arrow keys walk (Delete deletes the message focused, Escape goes
// back to the message box; Right and Left reach a line's links and Delete
// button).
import { $, state, currentConvo } from "./state.js";
import { ordered, openGoto, wireGoto } from "./goto.js";
import { foldStarts } from "./fold.js";

let cycle = null;   // {start, stem, matches, index} while Tab is pressed again

// Complete the word before the caret with a member's nickname.  Returns
// whether it did (otherwise Tab moves the focus, as usual).
function complete(box) {
  const convo = currentConvo();
  if (!convo) return false;
  const caret = box.selectionStart;
  if (cycle && cycle.end === caret && box.value.slice(cycle.start, caret) === cycle.shown) {
    if (cycle.index + 1 >= cycle.matches.length) {  // every name offered: Tab moves on
      cycle = null;
      return false;
    }
    cycle.index += 1;
  } else {
    const start = box.value.slice(0, caret).search(/[^\s]*$/);
    const stem = box.value.slice(start, caret);
    if (!stem) return false;
    const names = convo.kind === "room" ? convo.members : [convo.name, state.nick];
    // Any case and accents: em completes Émilie, ir İrem (fold.js).
    const matches = names.filter((n) => n && n !== state.nick && foldStarts(n, stem));
    if (!matches.length) return false;
    cycle = { start, matches, index: 0 };
  }
  const suffix = cycle.start === 0 ? ": " : " ";
  const shown = cycle.matches[cycle.index] + suffix;
  box.value = box.value.slice(0, cycle.start) + shown + box.value.slice(caret);
  cycle.shown = shown;
  cycle.end = cycle.start + shown.length;
  box.setSelectionRange(cycle.end, cycle.end);
  return true;
}

// The log's lines a reader walks: messages, events and notices.
const LINES = "li.msg, li.event, li.notice";

function walkLog(event) {
  const all = [...$("log").querySelectorAll(LINES)];
  const at = event.target.closest(LINES);
  let index = at ? all.indexOf(at) : -1;
  if (event.altKey || event.ctrlKey || event.metaKey || !all.length) return;
  if (event.key === "Delete" || event.key === "Escape") {
    const button = at && at.querySelector("button.delete:not(:disabled)");
    if (event.key === "Escape") $("text").focus();
    else if (button) button.click();
    else return;
    event.preventDefault();
    return;
  }
  if ((event.key === "ArrowRight" || event.key === "ArrowLeft") && at) {  // its links and Delete button
    const inside = [at, ...at.querySelectorAll("a, button:not(:disabled)")];
    const next = inside.indexOf(event.target) + (event.key === "ArrowRight" ? 1 : -1);
    if (next < 0 || next >= inside.length) return;
    event.preventDefault();
    inside[next].focus();
    return;
  }
  if (event.key === "ArrowUp") index = index < 0 ? all.length - 1 : Math.max(0, index - 1);
  else if (event.key === "ArrowDown") index = index < 0 ? all.length - 1 : Math.min(all.length - 1, index + 1);
  else if (event.key === "Home") index = 0;
  else if (event.key === "End") index = all.length - 1;
  else return;
  event.preventDefault();
  all[index].focus();
}

export function wireKeys(show) {
  $("log").addEventListener("keydown", walkLog);
  $("text").addEventListener("keydown", (event) => {
    if (event.key !== "Tab" || event.shiftKey || event.altKey || event.ctrlKey) {
      if (event.key !== "Tab") cycle = null;
      return;
    }
    if (complete(event.target)) event.preventDefault();
  });
  document.addEventListener("keydown", (event) => {
    if ($("chat-view").hidden) return;
    if (event.altKey && !event.ctrlKey && /^Digit[1-9]$/.test(event.code)) {
      const key = ordered()[Number(event.code.slice(5)) - 1];
      if (key) {
        event.preventDefault();
        show(key);
      }
    } else if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
      event.preventDefault();
      openGoto();
    }
  });
  wireGoto();
}
