// The API documentation page: Swagger UI (served from the installed fastapi-offline package, no CDN) over /openapi.json.
"use strict";

window.addEventListener("DOMContentLoaded", function () {
  window.ui = window.SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
  });
});
