document.documentElement.classList.add("js"); // Loaded first and blocking: without it the console shows its dialogs in place (site.css).
