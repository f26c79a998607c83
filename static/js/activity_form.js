// Shows the fields the chosen category uses (the form also works without this: the server decides).
(function () {
  const hintsElement = document.getElementById("category-hints");
  const select = document.getElementById("id_category");
  if (!hintsElement || !select) return;
  const hints = JSON.parse(hintsElement.textContent);
  const dated = document.getElementById("dated-fields");
  const period = document.getElementById("period-fields");
  const quarterChoice = document.getElementById("div_id_quantity_unit");
  const unitText = document.querySelector("[data-quantity-unit]");
  function update() {
    const hint = hints[select.value];
    if (!hint) return;
    dated.hidden = hint.is_period;
    period.hidden = !hint.is_period;
    if (unitText) unitText.textContent = hint.unit_plural;
    if (quarterChoice) {
      quarterChoice.hidden = !hint.quarter_hours;
      if (!hint.quarter_hours) {
        const unit = quarterChoice.querySelector("input[value='unit']");
        if (unit) unit.checked = true;
      }
    }
  }
  select.addEventListener("change", update);
  update();
})();

// After a refused submission the error summary is read first; its links take the focus to their field.
(function () {
  const summary = document.getElementById("error-summary");
  if (!summary) return;
  document.getElementById("error-summary-heading").focus();
  summary.addEventListener("click", function (event) {
    const link = event.target.closest("a[href^='#']");
    const field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    (field.closest("[id^='div_id_'], fieldset") || field).scrollIntoView();
    field.focus({ preventScroll: true });
  });
})();
