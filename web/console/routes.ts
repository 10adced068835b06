/** Every view of the console, in match order: each view file declares its own routes once. */
import type { Route } from './lib/router.js';
import { instrumentRoutes } from './views/instruments.js';
import { opsRoutes } from './views/ops.js';
import { sourceRoutes } from './views/sources.js';
import { stateRoutes } from './views/states.js';

/** All routes; `#/` shows the first. */
export const ROUTES: readonly Route[] = [...sourceRoutes, ...instrumentRoutes, ...stateRoutes, ...opsRoutes];
