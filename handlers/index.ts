// The route table: method + path → handler. The entry points hand it to the
// HTTP adapter (container) or to the single-Lambda dispatcher.
import { handler as openapi } from './openapi';
import { operations } from './routes';

export const routes = [...operations, openapi];
