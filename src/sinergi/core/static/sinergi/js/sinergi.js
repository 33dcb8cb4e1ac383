// Small progressive enhancements; every page works without this file.
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  if (button && button.classList.contains("danger")) {
    const message = document.documentElement.lang === "en" ? "Are you sure?" : "Anda yakin?";
    if (!window.confirm(message)) event.preventDefault();
  }
});
