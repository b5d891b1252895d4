// Buttons marked data-print print the page (the Content-Security-Policy forbids onclick="").
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
