// The query UI: YASGUI on this server's SPARQL endpoint, the catalogue's queries one click away.
// Nothing here reaches another origin: the completers that call web services (LOV classes and
// properties) are left out, prefixes come from YASGUI's bundled list, and only the table,
// response, boolean and error result views are built into this YASGUI.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("catalogue-data").textContent);
  const endpoint = new URL(document.body.dataset.endpoint, document.baseURI).href;
  const queries = new Map(data.queries.map((query) => [query.name, query]));
  const offline = ["prefixes", "variables"];
  // YASGUI merges arrays of its defaults index by index, so the default list itself is replaced.
  Yasgui.Yasqe.defaults.autocompleters = offline.slice();
  Yasgui.defaults.yasqe.autocompleters = offline.slice();

  const config = {
    persistenceId: "alliancekg",
    copyEndpointOnNewTab: false,
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: () => [{ endpoint: endpoint }] },
    populateFromUrl: (tab) => { tab.requestConfig.endpoint = endpoint; return tab; },
    yasqe: { value: data.start, autocompleters: offline, prefixCcApi: null, collapsePrefixesOnLoad: true },
  };
  const element = document.getElementById("yasgui");

  function start() {
    const yasgui = new Yasgui(element, config);
    // Tabs kept from an earlier visit query this server, wherever they pointed then.
    for (const id of yasgui.persistentConfig.getTabs()) {
      const tab = yasgui.getTab(id);
      if (tab && tab.getEndpoint() !== endpoint) tab.setEndpoint(endpoint);
    }
    return yasgui;
  }

  let yasgui;
  try {
    yasgui = start();
  } catch (error) {
    // A stored state this version cannot read: forget it and start afresh.
    console.warn("query UI: discarding the stored tabs", error);
    Object.keys(localStorage).filter((key) => key.includes("alliancekg")).forEach((key) => localStorage.removeItem(key));
    element.replaceChildren();
    yasgui = start();
  }
  window.yasgui = yasgui;

  // One tab per example, named after the query; clicking again resets its text.
  function open(name) {
    const query = queries.get(name);
    if (!query) return;
    let tab = yasgui.tabNameTaken(name);
    if (tab) {
      yasgui.selectTabId(tab.getId());
      tab.setQuery(query.example_query);
    } else {
      tab = yasgui.addTab(true, { name: name, yasqe: { value: query.example_query }, requestConfig: { endpoint: endpoint } });
    }
    tab.getYasqe().focus();
  }

  document.getElementById("catalogue").addEventListener("click", (event) => {
    const button = event.target.closest("button.example");
    if (button) open(button.dataset.query);
  });
})();
