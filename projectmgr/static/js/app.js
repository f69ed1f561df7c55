// Confirmation before a lifecycle action (forms with data-confirm), and the scoresheet's live total.
// Served by the app itself; the CSP allows scripts from 'self' only.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

function updateScoreTotal() {
  var inputs = document.querySelectorAll("input[data-criterion]");
  var out = document.getElementById("score-total");
  if (!out || !inputs.length) return;
  var total = 0;
  inputs.forEach(function (input) {
    var v = parseFloat(input.value);
    if (!isNaN(v)) total += v;
  });
  out.textContent = (Math.round(total * 100) / 100).toFixed(2);
}
document.addEventListener("input", function (event) {
  if (event.target.matches && event.target.matches("input[data-criterion]")) updateScoreTotal();
});
document.addEventListener("DOMContentLoaded", updateScoreTotal);
