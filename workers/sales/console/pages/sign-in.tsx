import { Layout } from "../layout";

/** The one page without a session: the admin token goes into a cookie only this path gets. */
export function SignInPage(props: { error?: string | undefined }) {
  return (
    <Layout title="Sign in">
      <form method="post" action="/console/sign-in" class="panel">
        <label for="token">Admin token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required size={40} aria-describedby={props.error ? "token-error" : undefined} aria-invalid={props.error ? "true" : undefined} />
        {props.error ? (
          <p id="token-error" class="error-text" role="alert">{props.error}</p>
        ) : null}
        <p class="muted">The token the admin API takes (<code>ADMIN_TOKEN</code>; <code>dev-admin-token</code> under <code>npm run dev</code>).</p>
        <button type="submit">Sign in</button>
      </form>
    </Layout>
  );
}
