// The card form with real Stripe keys: Stripe's Payment Element, loaded from js.stripe.com before this file.
(function () {
  const form = document.getElementById("payment-form");
  if (!form || typeof Stripe === "undefined") return;
  const read = (id) => JSON.parse(document.getElementById(id).textContent);
  const stripe = Stripe(read("stripe-key"));
  const elements = stripe.elements({ clientSecret: read("client-secret") });
  elements.create("payment").mount("#payment-element");
  const button = document.getElementById("pay-button");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    const { error } = await stripe.confirmPayment({ elements, confirmParams: { return_url: read("return-url") } });
    // A bank's refusal reads in the portal's plain words (billing.rules.CARD_ERROR_WORDS), not Stripe's.
    const words = read("card-error-words");
    const refusal = error.type === "card_error" && (words[error.decline_code] || words[error.code] || words[""]);
    document.getElementById("payment-message").textContent = refusal || error.message;
    button.disabled = false;
  });
})();
