// The one place the page talks to the server: same-origin fetch with the session cookie,
// the CSRF token on every state-changing call, and the server's own error messages.

let csrf = null;

export function setCsrf(token) {
  csrf = token;
}

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

// v2 errors are {error: {code, message}}; describe-image's are {code, msg, detail}.
function errorFrom(status, body, text) {
  if (body && body.error && body.error.message) {
    return new ApiError(status, body.error.code, body.error.message, body.error.details);
  }
  if (body && (body.detail || body.msg)) {
    const message = typeof body.detail === "string" ? body.detail : body.msg;
    return new ApiError(status, body.msg || body.code, message, {});
  }
  const brief = (text || "").trim().slice(0, 200);
  return new ApiError(status, `http_${status}`, brief || `The server answered HTTP ${status}.`);
}

export async function request(path, { method = "GET", json, form, signal } = {}) {
  const headers = { Accept: "application/json" };
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  let response;
  try {
    response = await fetch(path, { method, headers, body, signal, credentials: "same-origin" });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "network", `The server could not be reached (${err.message}).`);
  }
  const text = response.status === 204 ? "" : await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = errorFrom(response.status, data, text);
    if (response.status === 401 && !path.startsWith("/web/session")) {
      window.dispatchEvent(new CustomEvent("imagelens:signed-out", { detail: error }));
    }
    throw error;
  }
  return { data, headers: response.headers };
}

export async function api(path, options) {
  return (await request(path, options)).data;
}

export function formOf(entries) {
  const form = new FormData();
  for (const [name, value] of Object.entries(entries)) {
    if (value === undefined || value === null || value === "") continue;
    if (value instanceof Blob) form.append(name, value, value.name || "upload");
    else form.append(name, String(value));
  }
  return form;
}

// Wait for a job (GET /api/v2/job/{id}) to finish; resolves with its final state.
export async function waitForJob(jobId, { interval = 700, signal } = {}) {
  for (;;) {
    const job = await api(`/api/v2/job/${encodeURIComponent(jobId)}`, { signal });
    if (job.status !== "processing") return job;
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

export function loadAnalysis(imageId, options) {
  return api(`/api/v2/files/${encodeURIComponent(imageId)}/analysis`, options);
}

// POST /api/v2/analyze (a File, or a URL as JSON), waiting past the server's own timeout
// if it has to, and answering the stored analysis (EXIF and timings included).
export async function analyzeImage(source, values, { signal } = {}) {
  const answer =
    source instanceof Blob
      ? await api("/api/v2/images/analyze", { method: "POST", form: formOf({ ...values, file: source }), signal })
      : await api("/api/v2/images/analyze", { method: "POST", json: { ...values, url: source }, signal });
  if (answer.status === "processing") await waitForJob(answer.job_id, { signal });
  return loadAnalysis(answer.image_id, { signal });
}

// Files over this go straight to storage (POST /api/v2/files/uploads), never through the
// API process: one PUT, or parts four at a time, each retried twice; then complete.
export const DIRECT_THRESHOLD = 32 * 1024 * 1024;

async function putBytes(url, blob) {
  for (let attempt = 0; ; attempt++) {
    let response;
    try {
      // A presigned S3 URL takes no cookie; this server's own part URLs need none either.
      response = await fetch(url, { method: "PUT", body: blob, credentials: "omit" });
    } catch (err) {
      if (attempt >= 2) throw new ApiError(0, "network", `A part could not be sent (${err.message}).`);
      continue;
    }
    if (response.ok) return response.headers.get("ETag") || "";
    if (attempt >= 2 || response.status < 500) {
      const text = await response.text();
      let data = null;
      try { data = JSON.parse(text); } catch { data = null; }
      throw errorFrom(response.status, data, text);
    }
    await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
  }
}

export async function directUpload(file, values, { onProgress } = {}) {
  const fields = {};
  for (const name of ["content_category", "lang", "storage_target"]) {
    if (values[name]) fields[name] = values[name];
  }
  if (values.skip_duplicates !== undefined && values.skip_duplicates !== "") {
    fields.skip_duplicates = values.skip_duplicates === true || values.skip_duplicates === "true";
  }
  const created = await api("/api/v2/files/uploads", {
    method: "POST",
    json: { filename: file.name, size: file.size, ...fields },
  });
  let sent = 0;
  const done = (n) => {
    sent += n;
    if (onProgress) onProgress(sent, file.size);
  };
  try {
    let body = { timeout: 0 };
    if (created.method === "put") {
      await putBytes(created.url, file);
      done(file.size);
    } else {
      const queue = [...created.parts];
      const parts = [];
      const worker = async () => {
        for (let part = queue.shift(); part; part = queue.shift()) {
          const start = (part.part_number - 1) * created.part_size;
          const blob = file.slice(start, Math.min(start + created.part_size, file.size));
          parts.push({ part_number: part.part_number, etag: await putBytes(part.url, blob) });
          done(blob.size);
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      parts.sort((a, b) => a.part_number - b.part_number);
      body = { parts, timeout: 0 };
    }
    return await api(`/api/v2/files/uploads/${encodeURIComponent(created.upload_id)}/complete`, {
      method: "POST",
      json: body,
    });
  } catch (err) {
    request(`/api/v2/files/uploads/${encodeURIComponent(created.upload_id)}`, { method: "DELETE" }).catch(() => {});
    throw err;
  }
}
