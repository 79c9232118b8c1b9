// The portal's own script, loaded on every page after htmx (no inline script: see the
// Content-Security-Policy in ctg_portal/settings.py).

// htmx under the Content-Security-Policy: no <style> element injected for its indicators (portal.css
// has those rules) and no eval (hx-on, hx-vals "js:", trigger filters), which the policy forbids.
// Set here rather than in a <meta name="htmx-config">, because htmx reads only the first such element
// and some pages bring their own; htmx applies its settings when the document is loaded, after this.
htmx.config.includeIndicatorStyles = false;
htmx.config.allowEval = false;

// Paper shows every collapsed article: open them for printing, close them again afterwards.
window.addEventListener("beforeprint", () => {
  document.querySelectorAll("details:not([open])").forEach((el) => { el.open = true; el.dataset.printOpened = "1"; });
});
window.addEventListener("afterprint", () => {
  document.querySelectorAll("details[data-print-opened]").forEach((el) => { el.open = false; delete el.dataset.printOpened; });
});
