// Single-Lambda deployment: one function behind an ALB listener rule for
// /api/*, routing each event with the same route table as the container.
import type { ALBEvent, ALBResult, Context } from 'aws-lambda';
import { createRouter, dispatch } from '../lib/http/router';
import { routes } from './index';

const router = createRouter(routes);

export const handler = (event: ALBEvent, context: Context): Promise<ALBResult> => dispatch(router, event, context);
