// The WeChat mini-program's calls, typed by the client generated from `openapi/openapi.json`:
// sign in, submit an opinion, poll its status with an ETag, rate the result. CI generates the
// types afresh and type-checks this file, so a contract change that would break the
// mini-program (a renamed field, a new required one, a changed enum) fails the build.

import type { components, paths } from "./generated/schema";

type Schemas = components["schemas"];
type Body<T> = T extends { requestBody?: infer B }
  ? NonNullable<B> extends { content: { "application/json": infer J } }
    ? J
    : never
  : never;

type LoginOp = paths["/api/v1/auth/wechat"]["post"];
type SubmitOp = paths["/api/v1/submissions"]["post"];
type StatusOp = paths["/api/v1/submissions/{id}/status"]["get"];
type FeedbackOp = paths["/api/v1/submissions/{id}/feedback"]["post"];

export type Session = LoginOp["responses"][200]["content"]["application/json"];
export type NewSubmission = Body<SubmitOp>;
export type Created = SubmitOp["responses"][201]["content"]["application/json"];
export type Status = StatusOp["responses"][200]["content"]["application/json"];
export type Feedback = Body<FeedbackOp>;
export type Problem = Schemas["Problem"];

/** A failed call, with the problem document the service sent. */
export class ApiProblem extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.status} ${problem.code}: ${problem.title}`);
  }
}

export class MiniApp {
  constructor(private readonly base: string) {}

  private async call<T>(
    method: "GET" | "POST",
    path: string,
    token: string | null,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T | null; etag: string | null }> {
    const res = await fetch(this.base + path, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (res.status === 304) {
      return { status: 304, body: null, etag: res.headers.get("ETag") };
    }
    if (!res.ok) {
      throw new ApiProblem((await res.json()) as Problem);
    }
    return { status: res.status, body: (await res.json()) as T, etag: res.headers.get("ETag") };
  }

  /** Signs in with the code of `wx.login()`. */
  async login(code: string): Promise<Session> {
    const request: Body<LoginOp> = { code };
    const { body } = await this.call<Session>("POST", "/api/v1/auth/wechat", null, request);
    if (!body) throw new Error("no session");
    return body;
  }

  /** Submits an opinion; the answer holds its tracking number and similar open matters. */
  async submit(session: Session, submission: NewSubmission, idempotencyKey: string): Promise<Created> {
    const { body } = await this.call<Created>("POST", "/api/v1/submissions", session.access_token, submission, {
      "Idempotency-Key": idempotencyKey,
    });
    if (!body) throw new Error("no submission");
    return body;
  }

  /** Polls a submission's status; `null` when it has not changed since `etag`. */
  async status(session: Session, id: string, etag?: string): Promise<{ status: Status; etag: string | null } | null> {
    const { body, etag: next } = await this.call<Status>(
      "GET",
      `/api/v1/submissions/${encodeURIComponent(id)}/status`,
      session.access_token,
      undefined,
      etag ? { "If-None-Match": etag } : {},
    );
    return body ? { status: body, etag: next } : null;
  }

  /** Rates the result, once it has one. */
  async rate(session: Session, id: string, feedback: Feedback): Promise<Schemas["SubmissionDto"]> {
    const { body } = await this.call<Schemas["SubmissionDto"]>(
      "POST",
      `/api/v1/submissions/${encodeURIComponent(id)}/feedback`,
      session.access_token,
      feedback,
    );
    if (!body) throw new Error("no submission");
    return body;
  }
}

/** The mini-program's flow end to end: what its pages do, in order. */
export async function flow(app: MiniApp, code: string, stationId: string): Promise<string> {
  const session = await app.login(code);
  const created = await app.submit(
    session,
    {
      title: "幸福路路灯不亮",
      content: "幸福路东段路灯坏了两周，晚上出行不便。",
      category: "urban_management",
      station_id: stationId,
      consent_public: false,
    },
    crypto.randomUUID(),
  );
  const tracking: string = created.tracking_no;
  let etag: string | undefined;
  for (;;) {
    const polled = await app.status(session, created.id, etag);
    if (polled) {
      etag = polled.etag ?? undefined;
      const done: Schemas["SubmissionStatusDto"][] = ["answered", "referred", "declined", "closed"];
      if (done.includes(polled.status.status)) break;
    }
    await new Promise((resolve) => setTimeout(resolve, 30_000));
  }
  const rated = await app.rate(session, created.id, { rating: "satisfied", comment: "修好了，谢谢！" });
  return `${tracking}: ${rated.feedback?.rating ?? "unrated"}`;
}
