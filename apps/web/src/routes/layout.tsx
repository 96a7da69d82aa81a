import { NavLink, Outlet, useNavigation } from "react-router";

export function Layout() {
  const navigation = useNavigation();
  const busy = navigation.state !== "idle";

  return (
    <>
      <header>
        <nav aria-label="Main">
          <NavLink to="/" end>
            Home
          </NavLink>
          <NavLink to="/messages">Messages</NavLink>
        </nav>
        <p role="status">{busy ? "Loading…" : ""}</p>
      </header>
      <main aria-busy={busy}>
        <Outlet />
      </main>
    </>
  );
}

export function Loading() {
  return <p role="status">Loading…</p>;
}
