/** Imports every AFN file for its registrations (side effects). */
import './afn00-confirm.js';
import './afn01-reset.js';
import './afn02-link.js';
import './afn03-relay.js';
import './afn04-set-params.js';
import './afn05-control.js';
import './afn06-auth.js';
import './afn09-config.js';
import './afn0a-query-params.js';
import './afn0c-realtime.js';
import './afn0d-history.js';
import './afn0e-events.js';
import './afn10-forward.js';
