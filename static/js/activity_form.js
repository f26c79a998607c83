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
