import { task } from "tasklens";

export const taskNamespace = "examples.hello_world";

const planet = "World"; // assume this to be a constant

export const getPlanet = task(function getPlanet(): string {
  return planet;
});

export const greeter = task(function greeter(greet: string, thing: string): string {
  return `${greet}, ${thing}!`;
});

export const main = task(function main(greet: string = "Hello") {
  return greeter(greet, getPlanet());
});
