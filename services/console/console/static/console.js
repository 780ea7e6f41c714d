// Progressive enhancement only: every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the first error message so screen-reader and keyboard users land on it.
  const alert = document.querySelector(".flash.error, [aria-invalid='true']");
  if (alert instanceof HTMLElement) {
    if (!alert.hasAttribute("tabindex") && !/^(INPUT|SELECT|TEXTAREA)$/.test(alert.tagName)) {
      alert.setAttribute("tabindex", "-1");
    }
    alert.focus();
  }
  // <button data-confirm="..."> asks before submitting.
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (ev) => {
      if (!window.confirm(el.getAttribute("data-confirm") || "")) ev.preventDefault();
    });
  });
});
