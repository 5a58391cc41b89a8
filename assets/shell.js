/* The responsive shell (components/layout.py): the burger opens the controls' drawer on a phone. */
(function () {
  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    shell: {
      drawer: function (opened, navbar) {
        const base = navbar || {};
        const collapsed = Object.assign({}, base.collapsed || {}, { mobile: !opened });
        return Object.assign({}, base, { collapsed });
      },
      closeOnNavigation: function () { return false; },
    },
  });
})();
