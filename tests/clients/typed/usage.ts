// What a frontend writes with the generated types: Apollo calls typed by
// operation, the OperationInfo union narrowed by __typename, codes as an enum.
// The @ts-expect-error lines must stay errors: the types are strict.
import type { ApolloClient, TypedDocumentNode } from "@apollo/client";
import type {
  ErrorCode,
  MyOrdersQuery,
  MyOrdersQueryVariables,
  OrderStatus,
  PlaceOrderMutation,
  PlaceOrderMutationVariables,
} from "../generated/operations";

declare const PlaceOrder: TypedDocumentNode<PlaceOrderMutation, PlaceOrderMutationVariables>;
declare const MyOrders: TypedDocumentNode<MyOrdersQuery, MyOrdersQueryVariables>;

const explanations: Partial<Record<ErrorCode, string>> = {
  INSUFFICIENT_STOCK: "Not enough left: lower the quantity.",
  PERMISSION_DENIED: "Sign in to order.",
};

export async function placeOrder(
  client: ApolloClient,
  productId: string,
  quantity: number,
): Promise<string> {
  const { data } = await client.mutate({ mutation: PlaceOrder, variables: { input: { productId, quantity } } });
  const result = data?.createOrder;
  if (!result) return "No answer.";
  if (result.__typename === "OperationInfo") {
    return result.messages.map((m) => `${m.field ?? "order"}: ${explanations[m.code] ?? m.message}`).join("\n");
  }
  // @ts-expect-error: the union is narrowed, an Order has no messages
  void result.messages;
  const total: string = result.total; // Decimal: a string, exact
  return `Order ${result.id}: ${result.quantity} x ${result.product.name} = ${total}`;
}

export async function pendingOrderIds(client: ApolloClient): Promise<string[]> {
  const status: OrderStatus = "PENDING";
  const { data } = await client.query({ query: MyOrders, variables: { first: 20, status } });
  return data?.orders.edges.map((edge) => edge.node.id) ?? [];
}

// @ts-expect-error: quantity is an Int
export const wrongVariables: PlaceOrderMutationVariables = { input: { productId: "x", quantity: "1" } };
// @ts-expect-error: not a status
export const wrongStatus: OrderStatus = "SHIPPING";
// @ts-expect-error: not an ErrorCode
export const wrongCode: ErrorCode = "NOT_FOUNDED";
