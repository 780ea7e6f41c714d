// Contractor pages, progressive enhancement only: without it the forms post as they are.
// - previews the chosen photos;
// - shrinks a photo over the service's 5 MB limit to a JPEG (longest side 2560 px) before
//   upload, so a phone camera's large picture does not bounce.
"use strict";
(() => {
  document.documentElement.classList.add("js");
  const LIMIT = 5 * 1024 * 1024;
  const SIDE = 2560;

  function shrink(file) {
    return new Promise((resolve) => {
      if (file.size <= LIMIT || !/^image\//.test(file.type)) { resolve(file); return; }
      const url = URL.createObjectURL(file);
      const img = new Image();
      img.onload = () => {
        const scale = Math.min(1, SIDE / Math.max(img.naturalWidth, img.naturalHeight));
        const canvas = document.createElement("canvas");
        canvas.width = Math.round(img.naturalWidth * scale);
        canvas.height = Math.round(img.naturalHeight * scale);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        canvas.toBlob((blob) => {
          if (!blob) { resolve(file); return; }
          const name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg" }));
        }, "image/jpeg", 0.85);
      };
      img.onerror = () => { URL.revokeObjectURL(url); resolve(file); };
      img.src = url;
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const input = document.getElementById("f-photos");
    if (!(input instanceof HTMLInputElement)) return;
    const preview = input.parentElement && input.parentElement.querySelector(".preview");
    let busy = false;
    input.addEventListener("change", async () => {
      if (busy) return;
      const files = Array.from(input.files || []);
      const ready = await Promise.all(files.map(shrink));
      if (ready.some((f, i) => f !== files[i]) && typeof DataTransfer !== "undefined") {
        const dt = new DataTransfer();
        ready.forEach((f) => dt.items.add(f));
        busy = true;
        input.files = dt.files;
        busy = false;
      }
      if (!preview) return;
      preview.replaceChildren();
      ready.forEach((f, i) => {
        const li = document.createElement("li");
        const img = document.createElement("img");
        img.className = "thumb";
        img.alt = f.name || String(i + 1);
        img.src = URL.createObjectURL(f);
        li.appendChild(img);
        preview.appendChild(li);
      });
    });
  });
})();
