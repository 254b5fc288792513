// The API's documentation page: Swagger UI (bundled in the static files) drawn from the portal's own schema.
document.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    domNode: root,
    deepLinking: false,
    tryItOutEnabled: false,
  });
});
