// Registers the service worker (/sw.js: the application shell only, never mail) and, when a new
// version of the webmail is deployed, shows the banner that offers to take it on.
if ('serviceWorker' in navigator) {
  let asked = false;
  const offer = (worker) => {
    const banner = document.getElementById('nouvelle-version');
    if (!banner) return;
    banner.hidden = false;
    banner.querySelector('button').addEventListener('click', () => {
      asked = true;
      worker.postMessage('activer');
    }, { once: true });
  };
  navigator.serviceWorker.register('/sw.js').then((registration) => {
    if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
    registration.addEventListener('updatefound', () => {
      const worker = registration.installing;
      worker?.addEventListener('statechange', () => {
        // a first installation is not an update: only a worker replacing another is offered
        if (worker.state === 'installed' && navigator.serviceWorker.controller) offer(worker);
      });
    });
  }).catch(() => {});
  // the new worker took over because the user asked: the page starts again with the new version
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (asked) location.reload();
  });
}
