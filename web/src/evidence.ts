// Evidence: the list with downloads and a preview of raster images, and
// uploads by picker or drag and drop with a progress bar per file — straight to
// S3 when the server offers presigned uploads, through the API (multipart)
// otherwise. A stored file's progress row goes once the list shows the file.
import { api, ApiError, errorText, identityHeaders, readProblem, session, type DirectUpload, type Evidence } from './api';
import { confirmDialog } from './dialogs';
import { h, uid } from './dom';
import { bytes, timeAgo } from './format';

/** undefined until the server has answered once; false after direct-upload-unavailable. */
let directUploads: boolean | undefined;

interface XhrResult {
  status: number;
  text: string;
  contentType: string | null;
}

function send(
  method: string,
  url: string,
  body: XMLHttpRequestBodyInit,
  headers: Record<string, string>,
  progress: (loaded: number, total: number) => void,
): Promise<XhrResult> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener('progress', (e) => e.lengthComputable && progress(e.loaded, e.total));
    xhr.addEventListener('load', () =>
      resolve({ status: xhr.status, text: xhr.responseText, contentType: xhr.getResponseHeader('content-type') }),
    );
    // A network or CORS failure: status 0, no body.
    xhr.addEventListener('error', () => resolve({ status: 0, text: '', contentType: null }));
    xhr.addEventListener('abort', () => resolve({ status: 0, text: '', contentType: null }));
    xhr.send(body);
  });
}

async function failure(r: XhrResult): Promise<ApiError> {
  return new ApiError(await readProblem(r.status, '', r.contentType, () => r.text));
}

// The browser sets these itself and refuses to be told.
const FORBIDDEN = new Set(['content-length', 'host', 'connection', 'expect']);

async function uploadDirect(
  actionId: number,
  file: File,
  progress: (loaded: number, total: number) => void,
  phase: (text: string) => void,
): Promise<'done' | 'unavailable'> {
  let ticket: DirectUpload;
  try {
    ticket = await api<DirectUpload>('POST', `/api/v1/actions/${actionId}/evidence/uploads`, {
      body: { filename: file.name, size_bytes: file.size, content_type: file.type || undefined },
    });
  } catch (error) {
    if (error instanceof ApiError && error.slug === 'direct-upload-unavailable') {
      directUploads = false;
      return 'unavailable';
    }
    throw error;
  }
  directUploads = true;
  const headers = Object.fromEntries(Object.entries(ticket.headers).filter(([name]) => !FORBIDDEN.has(name.toLowerCase())));
  const put = await send(ticket.method, ticket.url, file, headers, progress);
  // Storage unreachable from the browser (e.g. no CORS on the bucket): go through the API instead.
  if (put.status === 0) return 'unavailable';
  if (put.status < 200 || put.status >= 300)
    throw new ApiError({
      type: 'about:blank',
      title: 'Upload failed',
      status: put.status,
      detail: `The storage answered ${put.status} to the upload.`,
    });
  phase('Recording…');
  await api('POST', ticket.complete_path);
  return 'done';
}

async function uploadThroughApi(actionId: number, file: File, progress: (loaded: number, total: number) => void): Promise<void> {
  const form = new FormData();
  form.append('file', file, file.name);
  const r = await send(
    'POST',
    `/api/v1/actions/${actionId}/evidence`,
    form,
    { accept: 'application/json', ...identityHeaders() },
    progress,
  );
  if (r.status !== 201) throw await failure(r);
}

/** Uploads files one after another, each with its own row and <progress> in `into`. */
export async function uploadFiles(actionId: number, files: readonly File[], into: HTMLElement): Promise<number> {
  const jobs = files.map((file) => {
    const bar = h('progress', { max: 100, value: 0, 'aria-label': `Uploading ${file.name}` });
    const state = h('span', { class: 'upload-state' }, 'Waiting…');
    const row = h(
      'li',
      { class: 'upload' },
      h('span', { class: 'filename' }, file.name),
      h('span', { class: 'muted' }, bytes(file.size)),
      bar,
      state,
    );
    into.append(row);
    return { file, bar, state, row };
  });
  let stored = 0;
  for (const { file, bar, state, row } of jobs) {
    const progress = (loaded: number, total: number) => {
      bar.value = total ? Math.round((loaded / total) * 100) : 100;
      state.textContent = `${bar.value}%`;
    };
    state.textContent = 'Uploading…';
    try {
      const direct =
        directUploads !== false && file.size > 0
          ? await uploadDirect(actionId, file, progress, (t) => (state.textContent = t))
          : 'unavailable';
      if (direct === 'unavailable') {
        bar.value = 0;
        await uploadThroughApi(actionId, file, progress);
      }
      bar.value = 100;
      state.textContent = 'Uploaded';
      row.classList.add('ok');
      stored++;
    } catch (error) {
      state.textContent = `Failed: ${errorText(error)}`;
      row.classList.add('failed');
    }
  }
  return stored;
}

/** Saves a response body under `filename` through a blob URL (works with identity headers). */
async function download(item: Evidence, link: HTMLAnchorElement, report: (message: string) => void): Promise<void> {
  link.setAttribute('aria-busy', 'true');
  try {
    const response = await fetch(link.href, { headers: identityHeaders(), credentials: 'same-origin' });
    if (!response.ok)
      throw new ApiError(
        await readProblem(response.status, response.statusText, response.headers.get('content-type'), () => response.text()),
      );
    const url = URL.createObjectURL(await response.blob());
    const a = h('a', { href: url, download: item.filename, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (error) {
    // Behind the proxy a presigned redirect the page may not read (no CORS on the bucket): let the browser fetch it.
    if (!(error instanceof ApiError) && session.mode === 'proxy') return void location.assign(link.href);
    report(`Download of ${item.filename} failed: ${error instanceof ApiError ? error.message : 'cannot reach the server.'}`);
  } finally {
    link.removeAttribute('aria-busy');
  }
}

// Raster images only: an SVG is a document (scripts, external references) and is never shown inline.
const PREVIEWABLE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const PREVIEW_MAX_BYTES = 10 * 1024 * 1024;

/** A small preview of an image file, or null. Locally the page must send its identity, so it goes through a blob URL. */
function preview(item: Evidence, url: string): HTMLElement | null {
  const type = item.content_type.split(';')[0]!.trim().toLowerCase();
  if (!PREVIEWABLE.has(type) || item.size_bytes > PREVIEW_MAX_BYTES) return null;
  const img = h('img', { alt: `Preview of ${item.filename}`, decoding: 'async', 'data-testid': 'evidence-preview' });
  const box = h('div', { class: 'preview' }, img);
  img.addEventListener('error', () => box.remove());
  if (session.mode === 'proxy') {
    img.src = url;
    return box;
  }
  fetch(url, { headers: identityHeaders(), credentials: 'same-origin' })
    .then(async (response) => {
      if (!response.ok) throw new Error(String(response.status));
      // Typed as what was checked above, whatever the answer says.
      const blobUrl = URL.createObjectURL(new Blob([await response.blob()], { type }));
      img.addEventListener('load', () => URL.revokeObjectURL(blobUrl), { once: true });
      img.src = blobUrl;
    })
    .catch(() => box.remove());
  return box;
}

export interface EvidenceHooks {
  canDelete: boolean;
  report(message: string): void;
  deleted(): void;
}

/** The evidence list (data-testid="evidence-list"). */
export function evidenceList(items: readonly Evidence[], hooks: EvidenceHooks): HTMLElement {
  if (items.length === 0) return h('p', { class: 'muted', 'data-testid': 'evidence-list' }, 'No evidence yet.');
  return h(
    'ul',
    { class: 'evidence', 'data-testid': 'evidence-list', 'aria-label': 'Evidence' },
    items.map((item) => {
      const url = `/api/v1/evidence/${item.id}/content`;
      const link = h('a', { href: url, download: item.filename, class: 'filename' }, item.filename);
      // Fetched and saved from a blob URL: locally the identity headers must be sent by us.
      link.addEventListener('click', (event) => {
        event.preventDefault();
        void download(item, link, hooks.report);
      });
      const remove = hooks.canDelete
        ? h(
            'button',
            {
              type: 'button',
              class: 'link danger',
              'aria-label': `Delete ${item.filename}`,
              onclick: () =>
                confirmDialog(
                  `Delete ${item.filename}?`,
                  `The file is removed for good; the history keeps a record.`,
                  'Delete file',
                  async () => {
                    await api('DELETE', `/api/v1/evidence/${item.id}`);
                    hooks.deleted();
                  },
                ),
            },
            'Delete',
          )
        : null;
      return h(
        'li',
        { 'data-id': item.id },
        link,
        h(
          'span',
          { class: 'muted' },
          `${bytes(item.size_bytes)} · ${item.content_type} · ${item.uploaded_by} · `,
          timeAgo(item.uploaded_at),
        ),
        remove,
        preview(item, url),
      );
    }),
  );
}

/** How long a stored file's "Uploaded" row stays once the list shows the file. */
const DONE_ROW_MS = 1500;

/** The "Attach files" picker and drop zone; `uploaded` runs (and refreshes the list) after each batch with files stored. */
export function uploadZone(actionId: number, uploaded: () => void | Promise<void>): HTMLElement {
  const inputId = uid('attach');
  const input = h('input', { type: 'file', id: inputId, multiple: true, class: 'vh' });
  const progress = h('ul', { class: 'uploads', 'aria-label': 'Uploads' });
  const zone = h(
    'div',
    { class: 'dropzone' },
    input,
    h('label', { for: inputId, class: 'button' }, 'Attach files'),
    h('span', { class: 'muted' }, ' or drop files here'),
    progress,
  );
  const start = async (files: FileList | null) => {
    if (!files?.length) return;
    const list = [...files];
    input.value = '';
    if ((await uploadFiles(actionId, list, progress)) === 0) return;
    await uploaded();
    // The list shows the stored files now: their rows would name them a second time. Failed ones stay, with why.
    const done = [...progress.querySelectorAll('.upload.ok')];
    setTimeout(() => done.forEach((row) => row.remove()), DONE_ROW_MS);
  };
  input.addEventListener('change', () => void start(input.files));
  zone.addEventListener('dragover', (e) => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', (e) => {
    if (!zone.contains(e.relatedTarget as Node | null)) zone.classList.remove('over');
  });
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    void start(e.dataTransfer?.files ?? null);
  });
  return zone;
}
