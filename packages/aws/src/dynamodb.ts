// `@ghr/aws/dynamodb`: the ledger on DynamoDB (peer: `@aws-sdk/client-dynamodb`).
export { AwsError, isAwsError } from './errors.js';
export type { AwsErrorCode } from './errors.js';
export { DynamoDbLedger } from './ledger/dynamodb-ledger.js';
export type { DynamoDbLedgerOptions } from './ledger/dynamodb-ledger.js';
export { ledgerCreateTableInput, ledgerTableDefinition } from './ledger/table.js';
export type { LedgerIndexDefinition, LedgerKeyAttribute, LedgerTableDefinition } from './ledger/table.js';
