// Single-Lambda deployment: one function behind an ALB listener rule for
// /api/*, routing each event with the same route table as the container.
import { lambdaRouter } from '../lib/http/lambda';
import { OPERATIONS } from './routes';

export const handler = lambdaRouter(OPERATIONS);
