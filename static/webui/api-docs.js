/* Swagger UI draws its parts as they open; give the few it leaves unlabelled what assistive
   technology needs: a name for each parameter's list of values, and a keyboard stop on each
   example that scrolls. Nothing else on the page changes. */
(function () {
  "use strict";

  function fix(root) {
    root.querySelectorAll("tr[data-param-name] select:not([aria-label])").forEach(function (select) {
      select.setAttribute("aria-label", select.closest("tr").dataset.paramName);
    });
    root.querySelectorAll(".highlight-code pre:not([tabindex])").forEach(function (pre) {
      pre.setAttribute("tabindex", "0");
    });
  }

  var target = document.getElementById("swagger-ui");
  if (!target) return;
  new MutationObserver(function () { fix(target); }).observe(target, { childList: true, subtree: true });
  fix(target);
})();
