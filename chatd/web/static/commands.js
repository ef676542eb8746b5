// chatd web client: the message box's slash commands (/msg, /join, /nick,
// /help...): each one a request, its answer said on the page.
import { $, state, showError, complain, currentConvo } from "./state.js";
import { request } from "./net.js";
import { nextOrder, putBack } from "./compose.js";
import { cidFor, putBackWith, identity, nowKnownAs } from "./unsure.js";
import { privateConvo, personKey, renderConvos } from "./convos.js";
import { show, showNotice } from "./view.js";
import { join, create, leave, entered, inRoom } from "./rooms.js";
import { signOut } from "./session.js";
import { setMe } from "./me.js";
import { say, bare } from "./send.js";
import { loadMarkers } from "./reads.js";
import { loadSettings } from "./settings.js";

// What /help says: every command of the message box.
const HELP = [
  "Commands:",
  "/msg nick text \u2014 a private message",
  "/me text \u2014 an action (* you text)",
  "/join room [key] \u2014 go into a room",
  "/create room \u2014 make a room and go in",
  "/leave [reason] \u2014 leave the room shown",
  "/topic text \u2014 set the room's topic",
  "/nick name \u2014 take another nickname",
  "/register password \u2014 protect your nickname with a password",
  "/kick nick [reason] \u2014 take someone out of a room you run",
  "/kill nick [reason] \u2014 end someone's session (chatd operators)",
  "/ignore [name] \u2014 drop name's private messages (alone: list them)",
  "/unignore name \u2014 stop ignoring name",
  "/quit or /logout \u2014 sign out",
  "//text \u2014 a message that starts with /",
  "Keys:",
  "Enter sends, Shift+Enter starts a new line.",
  "Tab completes a name (again: the next one; once all are offered, Tab moves on).",
  "Alt+1 \u2026 Alt+9 \u2014 the first nine conversations of the sidebar",
  "Ctrl+K (\u2318K) \u2014 go to a room or person by name; Escape closes it",
  "In the messages (one Tab stop): Up and Down arrows, Home and End move between lines,"
    + " Right and Left to a line's links and Delete button; Delete deletes the message focused (press again to confirm); Escape goes back to the message box",
  "Escape closes the topic editor and, on a phone, the \u2630 menu",
].join("\n");

// TEXT, a command the page does not send (mistyped, or missing what it
// needs): WHY is said, and the command stays in the box of CONVO (the one
// shown), as a refused message does, to be put right.
function refuse(convo, text, why) {
  showError(why);
  if (convo) putBack(convo, text);
  else if (!$("text").value) $("text").value = text;
}

// /msg: BODY (after the name in ARG) goes to that person.  Sent with its own
// id (unsure.js), as from their conversation's box: one whose answer the
// connection lost goes into that box, shown, with its id (sent again, it is
// said once), and the page asks once back whether it got through.  Refused,
// TEXT (the whole command) goes back in the box of CONVO (the one shown).
function msg(convo, text, arg) {
  const space = arg.indexOf(" ");
  if (space < 0) return refuse(convo, text, "Usage: /msg nick message");
  const who = bare(arg.slice(0, space), "@");
  const body = arg.slice(space + 1);
  const fresh = !state.convos.has(personKey(who));
  const target = privateConvo(who);
  const cid = cidFor(target, body);
  const order = nextOrder();
  say(target, body, false, false, body, cid).then((filed) => {
    if (filed.resend && filed.resend.cid === cid) filed.resend = null;
    show(filed.key);
  }, (error) => {
    if (error.unsure) {
      putBack(target, body, order, cid);
      putBackWith(target, body, cid);
      show(target.key);
      return;
    }
    complain(error);
    if (fresh && !target.log.childElementCount && state.current !== target.key) {
      state.convos.delete(target.key);  // nobody by that name: no conversation with them
      renderConvos();
    }
    if (convo) putBack(convo, text);  // refused: the message goes back in the box
    else if (!$("text").value) $("text").value = text;
  });
}

export function command(text) {
  const [verb, ...rest] = text.slice(1).split(" ");
  const arg = rest.join(" ").trim();
  const convo = currentConvo();
  switch (verb.toLowerCase()) {
    case "msg": return msg(convo, text, arg);
    case "topic":
      if (!convo || convo.kind !== "room") return refuse(convo, text, "Pick a room first.");
      return request("topic", { room: convo.name, topic: arg }).catch(complain);
    case "join": {
      const [room, key] = arg.split(/\s+/);
      if (!bare(room, "#")) return refuse(convo, text, "Usage: /join room [key]");
      return join(bare(room, "#"), undefined, true, key);
    }
    case "create": return create(bare(arg, "#"));
    case "nick": return request("nick", { nick: arg }).then((r) => setMe(r.nick), complain);
    case "kick": {  // out of the room shown (its operators), as IRC's KICK
      const [who, ...why] = arg.split(" ");
      if (!convo || convo.kind !== "room" || !convo.joined) {
        return refuse(convo, text, "Usage: /kick nick [reason], in a room you run (/kill ends a session).");
      }
      return request("kick", { room: convo.name, nick: bare(who, "@"), reason: why.join(" ") })
        .catch(complain);
    }
    case "kill": {  // a chatd operator ends someone's session
      const [who, ...why] = arg.split(" ");
      return request("kick", { nick: bare(who, "@"), reason: why.join(" ") }).then(
        (r) => showNotice(r.nick + " was disconnected."), complain);
    }
    case "register":
      if (!arg) return refuse(convo, text, "Usage: /register password");
      return request("register", { password: arg }).then((r) => {
        if (state.wanted) state.wanted.password = arg;
        nowKnownAs(identity(r.account, r.nick));  // what is kept unsure is the account's now
        showNotice(r.created ? "The nickname " + r.account + " is now registered."
          : "Password changed for " + r.account + ".");
        if (r.created) {  // the account keeps read markers and settings from now on
          loadMarkers(renderConvos);
          loadSettings();
        }
        for (const room of r.rooms.filter((name) => !inRoom(name))) {  // the automatic rooms
          entered(room, "you are in #" + room, false);
        }
      }, complain);
    case "ignore":  // the account's ignore list, shared with talk's /ignore and IRC's SILENCE
      if (!arg) {
        return request("ignored", {}).then((r) => showNotice(r.names.length
          ? "You ignore: " + r.names.join(", ") : "You ignore nobody."), complain);
      }
      return request("ignore", { name: bare(arg, "@") }).then((r) => showNotice(r.added
        ? "You ignore " + r.name + ": their private messages are dropped."
        : "You already ignore " + r.name + "."), complain);
    case "unignore":
      if (!arg) return refuse(convo, text, "Usage: /unignore name");
      return request("unignore", { name: bare(arg, "@") }).then((r) => showNotice(r.removed
        ? "You no longer ignore " + r.name + "." : "You do not ignore " + r.name + "."), complain);
    case "leave":
      if (convo && convo.kind === "room") leave(convo, arg);
      return;
    case "help": return showNotice(HELP);
    case "quit":
    case "logout": return signOut();
    default:
      refuse(convo, text, "Unknown command /" + verb + " (/help lists them)");
  }
}
