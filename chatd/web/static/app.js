// chatd web client: plain JavaScript, no build step, no libraries.
// Protocol: one JSON object per WebSocket frame, see docs/WEB.md.
// Everything people type is put on the page with textContent, never as HTML.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);

  const state = {
    ws: null,
    nextId: 1,
    pending: new Map(),      // request id -> {resolve, reject}
    nick: null,              // logged-in nickname
    wanted: null,            // {nick, password} to log in with (again, after a reconnect)
    rooms: [],               // [{name, members}]
    convos: new Map(),       // key ("#room" or "@nick") -> conversation
    current: null,           // key of the conversation shown
    retry: 0,                // reconnect attempts since the last success
    reconnect: true,
    limits: { maxMessageBytes: 16384 },  // replaced by the server's hello
  };

  // ---- DOM helpers ---------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function clock(seconds) {
    const d = seconds ? new Date(seconds * 1000) : new Date();
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function showError(text) {
    const box = $("errors");
    const item = el("div", "error", text);
    box.appendChild(item);
    while (box.childNodes.length > 3) box.removeChild(box.firstChild);
    setTimeout(() => item.remove(), 8000);
  }

  function showNotice(text) {
    const convo = state.current && state.convos.get(state.current);
    if (convo) addLine(convo, "notice", null, text);
    else showError(text);
  }

  function setStatus(text, ok) {
    $("status").textContent = text;
    $("status").className = ok ? "ok" : "bad";
  }

  // ---- connection ----------------------------------------------------------

  function socketURL() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + location.host + "/ws";
  }

  function connect() {
    setStatus("connecting\u2026", false);
    const ws = new WebSocket(socketURL());
    state.ws = ws;
    ws.addEventListener("open", () => {
      state.retry = 0;
      setStatus("connected", true);
      if (state.wanted) login(state.wanted.nick, state.wanted.password, true);
    });
    ws.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (e) {
        showError("The server sent something unreadable.");
        return;
      }
      receive(message);
    });
    ws.addEventListener("close", () => {
      state.ws = null;
      state.nick = null;
      for (const { reject } of state.pending.values()) reject({ code: 0, text: "disconnected" });
      state.pending.clear();
      if (!state.reconnect) {
        setStatus("disconnected", false);
        state.convos.clear();
        state.current = null;
        $("login-view").hidden = false;
        $("chat-view").hidden = true;
        return;
      }
      const delay = Math.min(10, 2 ** state.retry) * 1000 * (0.5 + Math.random() / 2);
      state.retry += 1;
      setStatus("disconnected \u2014 reconnecting\u2026", false);
      setTimeout(connect, delay);
    });
  }

  // Send a request; the promise settles with its reply (or error frame).
  function request(type, fields) {
    return new Promise((resolve, reject) => {
      if (!state.ws || state.ws.readyState !== WebSocket.OPEN) {
        reject({ code: 0, text: "not connected to the server" });
        return;
      }
      const id = state.nextId++;
      const frame = JSON.stringify(Object.assign({ type, id }, fields));
      if (new TextEncoder().encode(frame).length > state.limits.maxMessageBytes) {
        reject({ code: 10, text: "message too long (at most " + state.limits.maxMessageBytes + " bytes)" });
        return;
      }
      state.pending.set(id, { resolve, reject });
      state.ws.send(frame);
    });
  }

  function complain(error) {
    showError(error.code ? "Error " + error.code + ": " + error.text : error.text);
  }

  // ---- incoming frames -----------------------------------------------------

  function receive(message) {
    if (message.id !== undefined && state.pending.has(message.id)) {
      const waiter = state.pending.get(message.id);
      state.pending.delete(message.id);
      if (message.type === "error") waiter.reject(message);
      else waiter.resolve(message);
      return;
    }
    const handler = events[message.type];
    if (handler) handler(message);
  }

  const events = {
    hello(m) { state.limits = m.limits; },
    error(m) { complain(m); },
    message(m) {
      addLine(roomConvo(m.room), "msg", m.from, m.text, m.time);
    },
    private(m) {
      addLine(privateConvo(m.from), "msg", m.from, m.text, m.time);
    },
    joined(m) {
      const convo = roomConvo(m.room);
      if (!convo.members.includes(m.nick)) convo.members.push(m.nick);
      addLine(convo, "event", null, m.nick + " joined", m.time);
      renderMembers();
      refreshRooms();
    },
    left(m) {
      const convo = roomConvo(m.room);
      convo.members = convo.members.filter((n) => n !== m.nick);
      addLine(convo, "event", null, m.nick + " left" + (m.reason ? " (" + m.reason + ")" : ""), m.time);
      renderMembers();
      refreshRooms();
    },
    renamed(m) {
      if (state.nick === m.old) setMe(m.new);
      for (const convo of state.convos.values()) {
        if (convo.kind !== "room" || !m.rooms.includes(convo.name)) continue;
        convo.members = convo.members.map((n) => (n === m.old ? m.new : n));
        addLine(convo, "event", null, m.old + " is now " + m.new, m.time);
      }
      renderMembers();
    },
    notice(m) { showNotice(m.text); },
    bye(m) {
      showError("Disconnected by the server: " + m.text);
      if (m.code === 26) {         // kicked: do not come straight back
        state.reconnect = false;
        state.wanted = null;
      }
    },
  };

  // ---- conversations -------------------------------------------------------

  function conversation(key, kind, name) {
    let convo = state.convos.get(key);
    if (!convo) {
      const log = el("ol", "log");
      convo = { key, kind, name, members: [], log, unread: 0, joined: kind !== "room" };
      state.convos.set(key, convo);
      renderConvos();
    }
    return convo;
  }

  function roomConvo(room) { return conversation("#" + room.toLowerCase(), "room", room); }
  function privateConvo(nick) { return conversation("@" + nick.toLowerCase(), "private", nick); }

  function addLine(convo, kind, from, text, time) {
    const line = el("li", kind);
    line.appendChild(el("time", "when", clock(time)));
    if (from !== null) line.appendChild(el("span", "from", from));
    line.appendChild(el("span", "text", text));
    convo.log.appendChild(line);
    if (convo.key === state.current) {
      scrollDown();
    } else if (kind === "msg") {
      convo.unread += 1;
      renderConvos();
    }
    return line;
  }

  function scrollDown() {
    const shown = $("log");
    shown.scrollTop = shown.scrollHeight;
  }

  function show(key) {
    const convo = state.convos.get(key);
    if (!convo) return;
    state.current = key;
    convo.unread = 0;
    $("log").replaceChildren(convo.log);
    $("conv-title").textContent = convo.kind === "room" ? "#" + convo.name : "Private: " + convo.name;
    $("leave").hidden = convo.kind !== "room" || !convo.joined;
    renderConvos();
    renderMembers();
    scrollDown();
    closeMenu();
    $("text").focus();
  }

  function renderConvos() {
    const list = $("convos");
    list.replaceChildren();
    for (const convo of state.convos.values()) {
      if (convo.kind === "room" && !convo.joined) continue;
      const item = el("li", convo.key === state.current ? "current" : "");
      const button = el("button", "convo", (convo.kind === "room" ? "#" : "@") + convo.name);
      button.type = "button";
      button.dataset.key = convo.key;
      button.addEventListener("click", () => show(convo.key));
      item.appendChild(button);
      if (convo.unread) item.appendChild(el("span", "unread", String(convo.unread)));
      list.appendChild(item);
    }
  }

  function renderMembers() {
    const convo = state.current && state.convos.get(state.current);
    const list = $("members");
    list.replaceChildren();
    const room = convo && convo.kind === "room";
    $("members-title").hidden = !room;
    if (!room) return;
    for (const nick of convo.members) {
      const item = el("li");
      const button = el("button", "member", nick);
      button.type = "button";
      button.dataset.nick = nick;
      button.title = "Send " + nick + " a private message";
      if (nick !== state.nick) button.addEventListener("click", () => show(privateConvo(nick).key));
      item.appendChild(button);
      list.appendChild(item);
    }
  }

  function renderRooms() {
    const list = $("rooms");
    list.replaceChildren();
    for (const room of state.rooms) {
      const item = el("li");
      item.dataset.room = room.name;
      const convo = state.convos.get("#" + room.name.toLowerCase());
      const joined = convo && convo.joined;
      const button = el("button", joined ? "room joined" : "room", room.name);
      button.type = "button";
      button.title = joined ? "Show #" + room.name : "Join #" + room.name;
      button.addEventListener("click", () => (joined ? show(convo.key) : join(room.name)));
      item.appendChild(button);
      item.appendChild(el("span", "count", String(room.members)));
      list.appendChild(item);
    }
  }

  // ---- actions -------------------------------------------------------------

  function setMe(nick) {
    state.nick = nick;
    $("me").textContent = nick ? "as " + nick : "";
  }

  function login(nick, password, again) {
    const fields = { nick };
    if (password) fields.password = password;
    request("login", fields).then((reply) => {
      state.wanted = { nick: reply.nick, password };
      setMe(reply.nick);
      $("login-view").hidden = true;
      $("chat-view").hidden = false;
      refreshRooms();
      // The service may have put us back in our rooms (stored accounts);
      // re-enter the others this page was in before a reconnect.
      const inside = new Set(reply.rooms.map((room) => room.toLowerCase()));
      for (const room of reply.rooms) entered(room, "you are in #" + room, false);
      const rejoin = [...state.convos.values()].filter(
        (c) => c.kind === "room" && c.joined && !inside.has(c.name.toLowerCase()));
      for (const convo of rejoin) join(convo.name, "rejoined #", false);
      if (!again) $("text").focus();
    }, (error) => {
      complain(error);
      if (again) {                 // e.g. someone took the nickname meanwhile
        state.wanted = null;
        $("login-view").hidden = false;
        $("chat-view").hidden = true;
      }
    });
  }

  function refreshRooms() {
    if (!state.nick) return;
    request("rooms", {}).then((reply) => {
      state.rooms = reply.rooms;
      renderRooms();
    }, complain);
  }

  // Enter room NAME (with KEY, for a room that has one); PREFIX + its name
  // is logged; FOCUS shows it.
  function join(name, prefix = "you joined #", focus = true, key = undefined) {
    const fields = key ? { room: name, key } : { room: name };
    request("join", fields).then(
      (reply) => entered(reply.room, prefix + reply.room, focus, reply.members), complain);
  }

  // We are in ROOM (just joined, or put back by the server): show it and
  // its members.  A server that stores messages replays the room's last
  // ones by itself, as ordinary message events with their original time.
  function entered(room, note, focus, members) {
    const convo = roomConvo(room);
    convo.joined = true;
    convo.name = room;
    addLine(convo, "event", null, note);
    if (focus || state.current === null) show(convo.key);
    renderConvos();
    refreshRooms();
    const listed = members ? Promise.resolve({ members }) : request("members", { room });
    listed.then((reply) => {
      convo.members = reply.members;
      renderMembers();
    }, complain);
  }

  function leave(convo) {
    request("leave", { room: convo.name }).then(() => {
      convo.joined = false;
      addLine(convo, "event", null, "you left #" + convo.name);
      state.convos.delete(convo.key);
      state.current = null;
      $("log").replaceChildren();
      $("conv-title").textContent = "Pick a room";
      $("leave").hidden = true;
      renderConvos();
      renderMembers();
      refreshRooms();
    }, complain);
  }

  function say(convo, text) {
    if (convo.kind === "room") {
      return request("say", { room: convo.name, text }).then((reply) => {
        addLine(convo, "msg mine", reply.from, reply.text, reply.time);
      });
    }
    return request("tell", { to: convo.name, text }).then((reply) => {
      addLine(convo, "msg mine", reply.from, reply.text, reply.time);
    });
  }

  function command(text) {
    const [verb, ...rest] = text.slice(1).split(" ");
    const arg = rest.join(" ").trim();
    switch (verb.toLowerCase()) {
      case "msg": {
        const space = arg.indexOf(" ");
        if (space < 0) return showError("Usage: /msg nick message");
        const convo = privateConvo(arg.slice(0, space));
        say(convo, arg.slice(space + 1)).then(() => show(convo.key), complain);
        return;
      }
      case "join": {
        const [room, key] = arg.split(/\s+/);
        return join(room, undefined, true, key);
      }
      case "create": return request("create", { room: arg }).then((r) => join(r.room), complain);
      case "nick": return request("nick", { nick: arg }).then((r) => setMe(r.nick), complain);
      case "kick": {
        const [who, ...why] = arg.split(" ");
        return request("kick", { nick: who, reason: why.join(" ") }).then(
          (r) => showNotice(r.nick + " was kicked."), complain);
      }
      case "register":
        return request("register", { password: arg }).then((r) => {
          if (state.wanted) state.wanted.password = arg;
          showNotice("The nickname " + r.nick + " is now registered.");
        }, complain);
      case "leave": {
        const convo = state.current && state.convos.get(state.current);
        if (convo && convo.kind === "room") leave(convo);
        return;
      }
      default:
        showError("Unknown command /" + verb + " (try /msg, /join, /create, /leave, /nick, /register, /kick)");
    }
  }

  function closeMenu() {
    document.body.classList.remove("menu-open");
    $("menu").setAttribute("aria-expanded", "false");
  }

  // ---- wiring --------------------------------------------------------------

  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.reconnect = true;
    const nick = $("nick").value.trim();
    const password = $("password").value;
    if (state.ws && state.ws.readyState === WebSocket.OPEN) {
      login(nick, password, false);
    } else {                       // log in as soon as the connection opens
      state.wanted = { nick, password };
      if (!state.ws) connect();
    }
  });

  $("create-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const name = $("new-room").value.trim();
    if (!name) return;
    request("create", { room: name }).then((reply) => {
      $("new-room").value = "";
      join(reply.room);
    }, (error) => {
      if (error.code === 33) {       // it exists already: just go in
        $("new-room").value = "";
        join(name);
      } else complain(error);
    });
  });

  $("send-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const box = $("text");
    const text = box.value;
    if (!text.trim()) return;
    if (text.startsWith("/") && !text.startsWith("//")) {
      box.value = "";
      command(text.trim());
      return;
    }
    const convo = state.current && state.convos.get(state.current);
    if (!convo) return showError("Pick a room or a person first.");
    say(convo, text.startsWith("//") ? text.slice(1) : text).then(() => { box.value = ""; }, complain);
  });

  $("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("send-form").requestSubmit();
    }
  });

  $("leave").addEventListener("click", () => {
    const convo = state.current && state.convos.get(state.current);
    if (convo && convo.kind === "room") leave(convo);
  });

  $("menu").addEventListener("click", () => {
    const open = document.body.classList.toggle("menu-open");
    $("menu").setAttribute("aria-expanded", String(open));
  });

  // Keep the room list's member counts fresh.
  setInterval(refreshRooms, 15000);

  connect();
})();
