// chatd web client: the phone's menu (☰), the sidebar shown over the
// conversation on a narrow screen.  Its button says when something is
// unread elsewhere (a badge, and its name for screen readers); the menu
// closes on Escape, on a tap outside it, or when the focus leaves it.
import { $, el } from "./state.js";

const LABEL = "Rooms and people";

function isOpen() {
  return document.body.classList.contains("menu-open");
}

export function closeMenu() {
  document.body.classList.remove("menu-open");
  $("menu").setAttribute("aria-expanded", "false");
}

// UNREAD messages wait in the conversations: the ☰ button shows how many.
export function markMenu(unread) {
  const menu = $("menu");
  const label = unread ? LABEL + " (" + unread + " unread)" : LABEL;
  $("menu-label").textContent = label;  // its name, for screen readers
  menu.title = label;
  let badge = menu.querySelector(".badge");
  if (!unread) {
    if (badge) badge.remove();
    return;
  }
  if (!badge) {
    badge = el("span", "badge");
    badge.setAttribute("aria-hidden", "true");  // its name says it
    menu.appendChild(badge);
  }
  badge.textContent = unread > 99 ? "99+" : String(unread);
}

export function wireMenu() {
  $("menu").addEventListener("click", () => {
    const open = document.body.classList.toggle("menu-open");
    $("menu").setAttribute("aria-expanded", String(open));
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !isOpen()) return;
    closeMenu();
    $("menu").focus();
  });
  // The focus gone elsewhere (Tab past the menu's last control): the menu
  // closes, so nothing focused is hidden behind it.
  document.addEventListener("focusin", (event) => {
    if (isOpen() && !$("sidebar").contains(event.target) && event.target !== $("menu")) closeMenu();
  });
  // The path as it was when tapped: a sidebar button may re-render its list.
  document.addEventListener("click", (event) => {
    const path = event.composedPath();
    if (isOpen() && !path.includes($("sidebar")) && !path.includes($("menu"))) closeMenu();
  });
}
