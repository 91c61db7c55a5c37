import { act, renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

const claimTask = vi.fn();
const heartbeatTask = vi.fn();
const releaseTask = vi.fn();
const sendReleaseBeacon = vi.fn();
vi.mock('../api/tasks', () => ({ claimTask, heartbeatTask, releaseTask, sendReleaseBeacon }));
vi.mock('../api/projects', () => ({ getProject: vi.fn(async () => ({ id: 1, name: 'P' })) }));

const { useWorkLoop } = await import('./useWorkLoop');
const { ApiError } = await import('../api/client');

const held = {
  id: 7,
  state: 'locked_l1',
  resumed: true,
  draft: { result: [], saved_at: 't' },
  release_beacon: '/api/v1/tasks/7/release-beacon?sig=first',
  lease: { holder: 2, expires_at: 't', expires_in_ms: 600_000 },
};

afterEach(() => {
  vi.clearAllMocks();
});

describe('work loop: resume and closing the page', () => {
  it('opening the page resumes the held task; closing it sends the latest release beacon', async () => {
    claimTask.mockResolvedValue(held);
    heartbeatTask.mockResolvedValue({ ...held, release_beacon: '/api/v1/tasks/7/release-beacon?sig=renewed' });
    const { result, unmount } = renderHook(() => useWorkLoop(1, 'l1'));
    await waitFor(() => expect(result.current.phase).toBe('task'));
    expect(claimTask).toHaveBeenCalledWith(1, 'l1', true);
    expect(result.current.status).toBe('Task 7 resumed with your unsaved work.');

    window.dispatchEvent(new Event('pagehide'));
    expect(sendReleaseBeacon).toHaveBeenCalledWith(held.release_beacon);

    /* Back from the back/forward cache: the lease is renewed at once, and its new beacon used. */
    await act(async () => {
      window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
    });
    await waitFor(() => expect(heartbeatTask).toHaveBeenCalledWith(7));
    window.dispatchEvent(new Event('pagehide'));
    expect(sendReleaseBeacon).toHaveBeenLastCalledWith('/api/v1/tasks/7/release-beacon?sig=renewed');

    /* Leaving within the app releases at once, with the token. */
    releaseTask.mockResolvedValue(undefined);
    unmount();
    expect(releaseTask).toHaveBeenCalledWith(7);
  });

  it('skipping claims a new task without resuming, so it cannot get the skipped one back', async () => {
    claimTask.mockResolvedValueOnce({ ...held, resumed: false, draft: undefined });
    claimTask.mockResolvedValueOnce({ ...held, id: 8, resumed: false, draft: undefined });
    releaseTask.mockResolvedValue(undefined);
    const { result } = renderHook(() => useWorkLoop(1, 'l1'));
    await waitFor(() => expect(result.current.phase).toBe('task'));
    await act(() => result.current.skip());
    expect(claimTask).toHaveBeenLastCalledWith(1, 'l1', false);
    expect(releaseTask).toHaveBeenCalledWith(7);
    expect(result.current.task?.id).toBe(8);
  });
});

describe('work loop: gold feedback and suspension', () => {
  const fresh = { ...held, resumed: false, draft: undefined };
  const feedback = {
    score: 0,
    passed: false,
    pass_score: 0.8,
    expected: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Pos'] } }],
    controls: [{ name: 'sentiment', method: 'exact', score: 0 }],
  };

  it('a submit answered with feedback stops on it; the next task is claimed only when asked', async () => {
    claimTask.mockResolvedValueOnce(fresh);
    claimTask.mockResolvedValueOnce({ ...fresh, id: 8 });
    heartbeatTask.mockResolvedValue(fresh);
    const { result } = renderHook(() => useWorkLoop(1, 'l1'));
    await waitFor(() => expect(result.current.phase).toBe('task'));
    await act(() => result.current.finish(async () => ({ ...fresh, state: 'queued_l2', feedback }), 'Task 7 submitted.'));
    expect(result.current.phase).toBe('feedback');
    expect(result.current.feedback).toEqual(feedback);
    expect(result.current.task).toBeNull();
    expect(result.current.busy).toBeNull();
    expect(result.current.doneCount).toBe(1);
    expect(result.current.status).toBe('Task 7 submitted. Quality check: 0%, failed.');
    expect(claimTask).toHaveBeenCalledTimes(1);

    await act(() => result.current.claimNext());
    expect(result.current.phase).toBe('task');
    expect(result.current.task?.id).toBe(8);
    expect(result.current.feedback).toBeNull();
  });

  it('a submit without feedback goes straight on to the next task', async () => {
    claimTask.mockResolvedValueOnce(fresh);
    claimTask.mockResolvedValueOnce({ ...fresh, id: 8 });
    heartbeatTask.mockResolvedValue(fresh);
    const { result } = renderHook(() => useWorkLoop(1, 'l1'));
    await waitFor(() => expect(result.current.phase).toBe('task'));
    await act(() => result.current.finish(async () => ({ ...fresh, state: 'queued_l2' }), 'Task 7 submitted.'));
    expect(result.current.feedback).toBeNull();
    expect(result.current.task?.id).toBe(8);
    expect(claimTask).toHaveBeenCalledTimes(2);
  });

  it('a claim refused as member_suspended gives the server’s reason, not an error', async () => {
    const message = 'You are suspended from labeling in this project: mean gold score 40% is below 60%.';
    claimTask.mockRejectedValueOnce(new ApiError(403, 'member_suspended', message));
    claimTask.mockRejectedValueOnce(new ApiError(403, 'forbidden', 'Not a member.'));
    const { result } = renderHook(() => useWorkLoop(1, 'l1'));
    await waitFor(() => expect(result.current.phase).toBe('empty'));
    expect(result.current.suspended).toBe(message);
    expect(result.current.error).toBeNull();

    /* Any other refusal is an error as before, and the suspension is not kept from the last claim. */
    await act(() => result.current.claimNext());
    expect(result.current.suspended).toBeNull();
    expect(result.current.error).toBe('Not a member.');
  });
});
