// Small progressive enhancements for the console; every page works without them (no inline script: the
// Content-Security-Policy forbids it).
//  - <button data-dialog-open="id">: opens the <dialog id="id"> as a modal; <button data-dialog-close> closes its dialog.
//  - <form data-auto-submit>: submits when one of its <select>s changes (the organization switcher).
//  - <button data-copy="id">: copies the value or text of the element with that id to the clipboard.
//  - <form data-confirm="question">: asks before submitting (used where no dialog is worth it).
//  - the role grid's check boxes (name "Granted"): ticking a kind's Edit ticks its View.
"use strict";
document.addEventListener("click", (event) => {
    const opener = event.target.closest("[data-dialog-open]");
    if (opener) {
        const dialog = document.getElementById(opener.dataset.dialogOpen);
        if (dialog && typeof dialog.showModal === "function") {
            event.preventDefault();
            dialog.showModal();
            const first = dialog.querySelector("input:not([type=hidden]), select, textarea, button");
            if (first) first.focus();
        }
        return;
    }
    const closer = event.target.closest("[data-dialog-close]");
    if (closer) {
        event.preventDefault();
        closer.closest("dialog")?.close();
        return;
    }
    const copier = event.target.closest("[data-copy]");
    if (copier) {
        event.preventDefault();
        const source = document.getElementById(copier.dataset.copy);
        const text = source ? (source.value ?? source.textContent) : "";
        navigator.clipboard?.writeText(text.trim()).then(() => {
            const label = copier.textContent;
            copier.textContent = "Copied";
            setTimeout(() => { copier.textContent = label; }, 1500);
        }, () => { source?.select?.(); });
    }
});
document.addEventListener("change", (event) => {
    const target = event.target;
    const form = target.closest("form[data-auto-submit]");
    if (form && target.tagName === "SELECT") form.requestSubmit();
    // The role grid: Edit includes View (the service expands it anyway), so ticking "kind:edit" ticks "kind:view" too.
    if (target.name === "Granted" && target.checked && target.value.endsWith(":edit")) {
        const kind = target.value.slice(0, -":edit".length);
        const view = target.form?.querySelector(`input[name="Granted"][value="${CSS.escape(kind + ":view")}"]`);
        if (view && !view.disabled) view.checked = true;
    }
});
document.addEventListener("submit", (event) => {
    const question = event.target.dataset?.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
});
