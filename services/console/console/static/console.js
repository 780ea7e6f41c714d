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
  // A form being sent cannot be sent again: its submit buttons are disabled until the
  // answer comes (a second click would post again; the Idempotency-Key makes the service
  // keep one record anyway). Disabled after the submit event, so the clicked button's
  // name and value still go with the form; a script that sends the form itself
  // (preventDefault) is left alone.
  document.querySelectorAll("form[method='post']").forEach((form) => {
    form.addEventListener("submit", (ev) => {
      window.setTimeout(() => {
        if (ev.defaultPrevented) return;
        const buttons = form.querySelectorAll("button[type='submit'], button:not([type]), input[type='submit']");
        buttons.forEach((b) => {
          b.disabled = true;
          b.setAttribute("aria-busy", "true");
        });
        // an answer that is a download leaves this page in place: usable again later
        window.setTimeout(() => release(form), 15000);
      }, 0);
    });
  });
  function release(form) {
    form.querySelectorAll("[aria-busy='true']").forEach((b) => {
      b.disabled = false;
      b.removeAttribute("aria-busy");
    });
  }
  // back to a page from the browser's history: its forms work again
  window.addEventListener("pageshow", (ev) => {
    if (ev.persisted) document.querySelectorAll("form").forEach(release);
  });
});
