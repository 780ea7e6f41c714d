// The clerk's labels page: a print button (the page prints with Ctrl+P without it).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-print]").forEach((el) => {
    el.hidden = false;
    el.addEventListener("click", () => window.print());
  });
});
