import type { ContainerRecord, TrashRecord } from "../../store/index.js";
import type { ContainerSpec } from "./spec.js";

/** A registry row, its spec parsed by ContainerSpec on read (the store's codec). */
export type Container = ContainerRecord<ContainerSpec>;
/** A trash row, likewise. */
export type TrashEntryRecord = TrashRecord<ContainerSpec>;
