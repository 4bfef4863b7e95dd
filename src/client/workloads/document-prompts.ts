/**
 * The instructions of the `documents` workload, written for kvlab: for each document type, openers
 * that come before the whole document on turn 1, and follow-ups for later turns (they refer back to
 * "the document", so the history matters, as in a real review session).
 */
import type { DocType } from './document-types.ts';

export const INITIAL_INSTRUCTIONS: Readonly<Record<DocType, readonly string[]>> = Object.freeze({
  CODE: Object.freeze([
    'Review the following source file. Summarise what it does, then list any bugs or risky spots you notice.',
    'Explain the following code to a new team member: its purpose, its main data structures and its control flow.',
    'Read this file carefully. I will ask you several questions about it, so start with a short overview.',
    'Here is a file from our code base. Describe its public interface and how a caller is expected to use it.',
    'Please audit the code below for correctness, error handling and performance, and rank the issues you find.',
    'Walk through the following program step by step and point out anything that would surprise a maintainer.',
  ]),
  TEXT: Object.freeze([
    'Read the following document and summarise its main argument in a few paragraphs.',
    'Here is a text I am working on. Give me an outline of its structure and the key points of each part.',
    'Please read this document closely; I will ask follow-up questions. Begin with a one-paragraph summary.',
    'Explain the ideas in the following text to someone new to the subject, keeping the author\'s terminology.',
    'Critique the document below: what is convincing, what is vague, and what evidence is missing?',
    'Identify the audience and purpose of the following text, then summarise it for a busy reader.',
  ]),
});

export const FOLLOW_UPS: Readonly<Record<DocType, readonly string[]>> = Object.freeze({
  CODE: Object.freeze([
    'Which function in the file is the most complex, and how would you simplify it?',
    'Write unit tests for the main behaviour of this code, including at least two edge cases.',
    'How does the code handle invalid input? Suggest concrete improvements.',
    'What happens under concurrent use? Point out any race conditions or shared state.',
    'Rewrite the most important function with clearer names and comments, keeping its behaviour.',
    'What is the time and memory complexity of the main operations?',
    'If we had to port this file to another language, which parts would be hardest and why?',
    'List the assumptions the code makes about its callers that are not checked anywhere.',
    'Suggest a logging and metrics strategy for this component in production.',
    'Which parts of the file would you extract into separate modules, and what would their interfaces be?',
    'Propose one new feature that fits this code naturally and sketch its implementation.',
    'Summarise our discussion so far as a short code review comment.',
  ]),
  TEXT: Object.freeze([
    'What is the strongest claim in the document, and how well is it supported?',
    'Rewrite the opening paragraph to be more engaging without changing its meaning.',
    'Which terms in the text would a newcomer need defined? Define them briefly.',
    'List three questions the document leaves unanswered.',
    'Give a counterargument to the main point and explain how the author might respond.',
    'Turn the document into a bulleted list of its key takeaways.',
    'Which section is the weakest, and how would you strengthen it?',
    'Suggest a better title and three section headings for the text.',
    'Explain how the ideas in the document would apply to a concrete real-world example.',
    'Condense the whole text into a single paragraph of at most five sentences.',
    'What tone does the author use, and is it appropriate for the likely audience?',
    'Summarise our discussion so far and note anything we have not covered yet.',
  ]),
});

/**
 * Warm-up questions: short, general, unrelated to any seed document (so they leave nothing in a
 * prefix cache that a measured turn could reuse). Written for kvlab; llm-d's tool sends 20 of its own
 * in the same spirit, before its conversations (multi-turn-benchmark.py, `run_warmup`).
 */
export const WARMUP_QUESTIONS: readonly string[] = Object.freeze([
  'Which metal is liquid at room temperature?',
  'How many sides does a hexagon have?',
  'What is the boiling point of water at sea level in Celsius?',
  'Name one of the noble gases.',
  'Which planet is closest to the Sun?',
  'What is the square root of 81?',
  'In which continent is the Sahara desert?',
  'How many minutes are in an hour?',
  'What do bees make?',
  'Name a string instrument.',
  'Which gas do plants take in from the air?',
  'What is the freezing point of water in Fahrenheit?',
  'How many legs does a spider have?',
  'What is the chemical symbol for gold?',
  'Which ocean lies between Africa and Australia?',
  'Name a prime number greater than ten.',
  'What is the longest river in South America?',
  'How many strings does a standard violin have?',
  'Which organ pumps blood through the body?',
  'What is ten percent of two hundred?',
]);
