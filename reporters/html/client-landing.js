// Deep links that land: after the page opens the attempt a link names (#attempt=<id>), this keeps
// it in view while the page settles around it. Loaded after client-evidence.js, before client.js.
(function () {
  'use strict';
  // Keeps an opened attempt at the top of the screen while the page around it settles: cards above it
  // are laid out lazily (content-visibility) and fonts arrive late, each moving it after the first scroll.
  // It re-scrolls every frame until the attempt has stayed put for a few frames and fonts are ready,
  // and stops at once when the reader scrolls, clicks or types.
  var landing = null;
  window.chaoslab.land = function (line) {
    if (landing) landing.stop();
    document.documentElement.removeAttribute('data-landed');
    var still = 0, frames = 0, lastTop = NaN, fontsReady = false, stopped = false;
    var inputs = ['wheel', 'touchstart', 'mousedown', 'keydown'];
    var stop = function () {
      stopped = true;
      inputs.forEach(function (name) { window.removeEventListener(name, stop, true); });
      document.documentElement.setAttribute('data-landed', 'true');
      landing = null;
    };
    inputs.forEach(function (name) { window.addEventListener(name, stop, { capture: true, passive: true }); });
    (document.fonts ? document.fonts.ready : Promise.resolve()).then(function () { fontsReady = true; });
    landing = { stop: stop };
    var step = function () {
      if (stopped) return;
      line.scrollIntoView({ block: 'start' });
      var top = Math.round(line.getBoundingClientRect().top);
      still = top === lastTop ? still + 1 : 0;
      lastTop = top;
      frames += 1;
      if ((still >= 5 && fontsReady) || frames > 300) stop();
      else requestAnimationFrame(step);
    };
    step();
  };
})();
