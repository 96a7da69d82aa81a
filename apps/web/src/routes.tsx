import type { RouteObject } from "react-router";
import { Home, homeLoader } from "./routes/home.tsx";
import { Layout, Loading } from "./routes/layout.tsx";
import { MessageDetail, MessageError, messageLoader } from "./routes/message.tsx";
import { createMessageAction, Messages, messagesLoader } from "./routes/messages.tsx";
import { NotFound } from "./routes/not-found.tsx";
import { RouteError } from "./routes/route-error.tsx";

export const routes: RouteObject[] = [
  {
    path: "/",
    Component: Layout,
    children: [
      {
        // Pathless, so that errors and the first load render inside the layout and its navigation.
        ErrorBoundary: RouteError,
        HydrateFallback: Loading,
        children: [
          { index: true, loader: homeLoader, Component: Home },
          {
            path: "messages",
            loader: messagesLoader,
            action: createMessageAction,
            Component: Messages,
            children: [
              {
                path: ":id",
                loader: messageLoader,
                Component: MessageDetail,
                ErrorBoundary: MessageError,
              },
            ],
          },
          { path: "*", Component: NotFound },
        ],
      },
    ],
  },
];
