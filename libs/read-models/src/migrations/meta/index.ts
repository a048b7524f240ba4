import { ProjectionMeta1764230400000 } from './1764230400000-projection-meta.migration';

export const META_MIGRATIONS = [ProjectionMeta1764230400000];
