// Progressive only: the pages work without it. Served by the appliance (CSP script-src 'self').
// 1. Buttons marked data-confirm ask before their form is sent (reject, disable a user).
// 2. The print button on the agreement page opens the print dialog.
document.addEventListener('submit', (event) => {
  const button = event.submitter;
  const question = button && button.getAttribute('data-confirm');
  if (question && !window.confirm(question)) event.preventDefault();
});
document.addEventListener('click', (event) => {
  const target = event.target;
  if (target instanceof HTMLElement && target.matches('[data-print]')) {
    event.preventDefault();
    window.print();
  }
});
