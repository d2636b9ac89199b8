// The API reference page: Swagger UI (vendored in static/vendor/swagger-ui) over /api/v1/openapi.json.
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("reference");
  window.SwaggerUIBundle({
    url: root.dataset.spec,
    domNode: root,
    deepLinking: true,
    // the token is typed into "Authorize" and kept only in this page, not in the browser's storage
    persistAuthorization: false,
    tryItOutEnabled: false,
    validatorUrl: null,
  });
});
