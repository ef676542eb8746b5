// chatd web client: the room's topic, edited in a field of its own under the
// header (the Topic button), so that the message box keeps what is being typed.
// Enter sets it (the server tells every member, the header follows), Escape
// gives up; /topic in the message box still works too.
import { $, complain, currentConvo } from "./state.js";
import { request } from "./net.js";

// The editor closes: the message box, with its draft, has the focus again.
export function closeTopic() {
  if ($("topic-form").hidden) return;
  $("topic-form").hidden = true;
  $("text").focus();
}

// The person signed in is gone: the editor closes, empty.
export function dropTopic() {
  $("topic-form").hidden = true;
  $("topic-input").value = "";
}

function openTopic() {
  const convo = currentConvo();
  if (!convo || convo.kind !== "room" || !convo.joined) return;
  const field = $("topic-input");
  field.value = convo.topic || "";
  $("topic-form").hidden = false;
  field.focus();
  field.select();
}

export function wireTopic() {
  $("edit-topic").addEventListener("click", openTopic);
  $("topic-input").addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeTopic();
  });
  $("topic-cancel").addEventListener("click", closeTopic);
  $("topic-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const convo = currentConvo();
    if (!convo || convo.kind !== "room") return closeTopic();
    request("topic", { room: convo.name, topic: $("topic-input").value.trim() }).then(() => {
      if (currentConvo() === convo) closeTopic();
    }, complain);  // refused (not an operator): the field keeps the words
  });
}
