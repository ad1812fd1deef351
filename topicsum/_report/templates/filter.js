(function () {
  var box = document.getElementById("story-filter");
  var table = document.getElementById("stories-table");
  if (!box || !table) { return; }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var count = document.getElementById("story-count");
  box.addEventListener("input", function () {
    var query = box.value.toLowerCase().trim();
    var shown = 0;
    rows.forEach(function (row) {
      var hit = !query || row.textContent.toLowerCase().indexOf(query) >= 0;
      row.hidden = !hit;
      if (hit) { shown += 1; }
    });
    count.textContent = query ? shown + " of " + rows.length + " shown" : "";
  });
})();
