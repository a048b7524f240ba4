import { InMemoryPartitionLog } from '../in-memory-partition-log';
import { partitionLogContract } from './partition-log.contract';

describe('InMemoryPartitionLog', () => {
  let current: InMemoryPartitionLog;
  partitionLogContract('the in-memory twin', () => ({
    open: async () => (current = new InMemoryPartitionLog('inventory', 0)),
    // A new owner of the same partition sees what was committed: the same object here.
    reopen: async () => current,
    breakNextCommit: (log) => (log as InMemoryPartitionLog).failNextCommit(new Error('crash after the append')),
  }));
});
